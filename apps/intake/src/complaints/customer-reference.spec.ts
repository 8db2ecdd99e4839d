import { randomBytes, randomUUID } from 'node:crypto';
import { FieldCipher } from '@complaints/platform';
import { customerRefOf, customerRefOfCustomer, phoneForReference, unkindedCustomerRef } from './customer-reference';

const cipher = new FieldCipher([{ id: 'k1', key: randomBytes(32) }], randomBytes(32));
const complaint = (channel = 'hotline') => ({ id: randomUUID(), channel });

describe('customerRefOf', () => {
  it('gives two complaints that name only the complainant references of their own, whatever the name', () => {
    const first = customerRefOf(cipher, {}, complaint());
    const second = customerRefOf(cipher, {}, complaint());
    expect(first).toMatch(/^cust_[0-9a-f]{24}$/);
    expect(second).not.toBe(first);
  });

  it('keeps a customer number and another person’s equal phone number apart', () => {
    expect(customerRefOf(cipher, { customerId: '13800138000' }, complaint())).not.toBe(customerRefOf(cipher, { phone: '13800138000' }, complaint()));
    expect(customerRefOf(cipher, { idNumber: 'C-1' }, complaint())).not.toBe(customerRefOf(cipher, { customerId: 'C-1' }, complaint()));
    expect(customerRefOf(cipher, { email: 'a@example.com' }, complaint())).not.toBe(customerRefOf(cipher, { channelUserId: 'a@example.com' }, complaint('web')));
  });

  it('gives the same customer the same reference on every complaint and channel, by the first identifier given', () => {
    const ref = customerRefOf(cipher, { customerId: 'C-1001', phone: '13800138000' }, complaint('web'));
    expect(customerRefOf(cipher, { customerId: 'C-1001', email: 'x@example.com' }, complaint('hotline'))).toBe(ref);
    expect(customerRefOf(cipher, { customerId: ' c-1001 ' }, complaint())).toBe(ref);
    expect(customerRefOfCustomer(cipher, 'C-1001')).toBe(ref);
  });

  it('reads a phone number however it is spaced, but keeps a national and an international form apart', () => {
    const ref = customerRefOf(cipher, { phone: '13800138000' }, complaint());
    expect(customerRefOf(cipher, { phone: '138 0013-8000' }, complaint())).toBe(ref);
    expect(customerRefOf(cipher, { phone: '+86 138 0013 8000' }, complaint())).toBe(customerRefOf(cipher, { phone: '0086-13800138000' }, complaint()));
    expect(phoneForReference('0086 138-0013-8000')).toBe('+8613800138000');
  });

  it('ties a channel user id to its channel', () => {
    expect(customerRefOf(cipher, { channelUserId: 'u-1' }, complaint('wechat'))).toBe(customerRefOf(cipher, { channelUserId: 'u-1' }, complaint('wechat')));
    expect(customerRefOf(cipher, { channelUserId: 'u-1' }, complaint('wechat'))).not.toBe(customerRefOf(cipher, { channelUserId: 'u-1' }, complaint('web')));
  });

  it('differs from the reference issued for the same value before the kind was hashed with it', () => {
    expect(customerRefOf(cipher, { customerId: 'C-1001' }, complaint())).not.toBe(unkindedCustomerRef(cipher, 'C-1001'));
  });
});
