import type { DeliveryChannelName } from '../channels/delivery-channel';
import { canReach, deliveryPlan } from './delivery-plan';

const ALL = new Set<DeliveryChannelName>(['email', 'sms', 'app', 'wechat', 'letter', 'phone']);
const EVERYWHERE = { email: 'a@example.com', phone: '13800000000', appUserId: 'u1', wechatOpenId: 'o1', postalAddress: '北京市西城区金融大街1号' };

describe('deliveryPlan', () => {
  it('plan_startsWithTheCustomersChoice_thenTheOthersInFallbackOrder', () => {
    expect(deliveryPlan('wechat', EVERYWHERE, false, ALL)).toEqual(['wechat', 'sms', 'email', 'app', 'letter', 'phone']);
  });

  it('plan_ofAVulnerableCustomer_startsWithAPerson', () => {
    expect(deliveryPlan('sms', EVERYWHERE, true, ALL)).toEqual(['phone', 'sms', 'email', 'app', 'wechat', 'letter']);
  });

  it('plan_leavesOutChannelsWithoutAnAddress', () => {
    expect(deliveryPlan('email', { phone: '13800000000' }, false, ALL)).toEqual(['sms', 'phone']);
    expect(deliveryPlan('letter', {}, false, ALL)).toEqual([]);
  });

  it('plan_leavesOutChannelsThisDeploymentHasNoAdapterFor', () => {
    expect(deliveryPlan('sms', EVERYWHERE, false, new Set<DeliveryChannelName>(['email', 'letter']))).toEqual(['email', 'letter']);
  });

  it('plan_neverListsAChannelTwice', () => {
    const plan = deliveryPlan('phone', EVERYWHERE, true, ALL);
    expect(new Set(plan).size).toBe(plan.length);
    expect(plan[0]).toBe('phone');
  });

  it.each([
    ['email', { email: '  ' }, false],
    ['sms', { phone: null }, false],
    ['letter', { postalAddress: '上海市' }, true],
    ['app', { appUserId: 'u' }, true],
  ] as const)('canReach_%s_%j_is_%s', (channel, to, expected) => {
    expect(canReach(channel, to)).toBe(expected);
  });
});
