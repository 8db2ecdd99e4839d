import { randomBytes } from 'node:crypto';
import { MAX_DESCRIPTION_LENGTH } from '../src/canonical-complaint';
import { MAX_TRANSCRIPT_TURNS } from '../src/payload';
import { describeAdapterContract, inboundMessage, signedMessage } from '../src/contract-kit';
import { hotlineAdapter } from './index';

const SECRET = randomBytes(32);
const config = { secretFor: (channel: string) => (channel === 'hotline' ? SECRET : undefined) };

/** A customer the IVR verified, disputing a fee; the agent wrote a summary. */
const verifiedCall = {
  callId: 'CC20261123-000481',
  agentId: 'A1042',
  startedAt: '2026-11-23T07:41:02Z',
  endedAt: '2026-11-23T07:49:40Z',
  callerNumber: '+8613800138000',
  ivr: { verified: true, customerNo: 'C000888123', method: 'TPIN' },
  recordingRef: 'rec/2026/11/23/CC20261123-000481.wav',
  transcript: [
    { speaker: 'agent', text: '您好，工号1042为您服务。', at: '2026-11-23T07:41:30Z' },
    { speaker: 'customer', text: '我的信用卡这个月被收了300元年费，办卡时说首年免年费。', at: '2026-11-23T07:41:38Z' },
    { speaker: 'agent', text: '请问您是哪天办的卡？', at: '2026-11-23T07:42:05Z' },
    { speaker: 'customer', text: '今年3月在网点办的，  当时的客户经理  姓李。', at: '2026-11-23T07:42:12Z' },
    { speaker: 'customer', text: ' ', at: '2026-11-23T07:42:20Z' },
  ],
  agentSummary: '客户称信用卡被收取首年年费300元，办卡时承诺首年免年费，要求退还。',
  product: '信用卡',
  accountNo: '6259 6500 1234 5678',
  amount: '300.00',
  currency: 'CNY',
  lang: 'zh-CN',
  consent: { personalData: true, recording: true, survey: false },
};

/** An English-speaking caller the IVR could not verify: the customer number they keyed in is not theirs until checked. */
const unverifiedCall = {
  callId: 'CC20261123-000517',
  agentId: 'A2210',
  callerNumber: '021-6888-1234',
  ivr: { verified: false, customerNo: 'C000555001' },
  transcript: [
    { speaker: 'customer', text: 'My transfer to Hong Kong has been pending for nine days.', at: '2026-11-23T07:50:01Z' },
    { speaker: 'agent', text: 'I am sorry to hear that. May I have the reference?', at: '2026-11-23T07:50:09Z' },
    { speaker: 'customer', text: 'It is FT2611140032, for 5,000 US dollars.', at: '2026-11-23T07:50:20Z' },
  ],
  agentSummary: 'Outward remittance pending 9 days; customer wants it completed or refunded with fees.',
  callerName: 'Sarah Collins',
  product: 'international transfer',
  amount: '5,000',
  currency: 'USD',
  replyVia: 'sms',
  lang: 'en',
};

const body = (value: unknown) => JSON.stringify(value);
const signed = (value: unknown) => signedMessage('hotline', body(value), SECRET);

describeAdapterContract(hotlineAdapter(config), {
  valid: [
    {
      name: 'a verified customer with a summary and a transcript',
      message: () => signed(verifiedCall),
      messageId: 'CC20261123-000481',
      complaint: {
        channel: 'hotline',
        channelReference: 'CC20261123-000481',
        complainant: { customerId: 'C000888123', phone: '+8613800138000' },
        description:
          '客户称信用卡被收取首年年费300元，办卡时承诺首年免年费，要求退还。\n\n客户原话：\n我的信用卡这个月被收了300元年费，办卡时说首年免年费。\n今年3月在网点办的， 当时的客户经理 姓李。',
        productHint: '信用卡',
        accountReference: '6259 6500 1234 5678',
        amountInDispute: { amountMinor: 30000, currency: 'CNY' },
        preferredReplyChannel: 'phone',
        language: 'zh-CN',
        consent: { dataProcessing: true, callRecording: true, survey: false },
        channelContext: { staffId: 'A1042', recordingReference: 'rec/2026/11/23/CC20261123-000481.wav' },
      },
    },
    {
      name: 'an English caller the IVR did not verify, who wants an SMS',
      message: () => signed(unverifiedCall),
      messageId: 'CC20261123-000517',
      complaint: {
        channel: 'hotline',
        channelReference: 'CC20261123-000517',
        complainant: { name: 'Sarah Collins', phone: '021-6888-1234' },
        description:
          "Outward remittance pending 9 days; customer wants it completed or refunded with fees.\n\nThe customer's own words:\nMy transfer to Hong Kong has been pending for nine days.\nIt is FT2611140032, for 5,000 US dollars.",
        productHint: 'international transfer',
        amountInDispute: { amountMinor: 500000, currency: 'USD' },
        preferredReplyChannel: 'sms',
        language: 'en',
        channelContext: { staffId: 'A2210' },
      },
    },
    {
      name: 'a withheld number, a verified customer and no summary, answered in the app',
      message: () =>
        signed({
          callId: 'CC20261123-000602',
          callerNumber: 'anonymous',
          ivr: { verified: true, customerNo: 30045566, method: 'VOICEPRINT' },
          transcript: [
            { speaker: 'customer', text: '手机银行转账显示成功，但对方说没收到钱。', at: '2026-11-23T07:55:00Z' },
            { speaker: 'agent', text: '我帮您查一下。', at: '2026-11-23T07:55:10Z' },
          ],
        }),
      messageId: 'CC20261123-000602',
      complaint: {
        channel: 'hotline',
        channelReference: 'CC20261123-000602',
        complainant: { customerId: '30045566' },
        description: '客户原话：\n手机银行转账显示成功，但对方说没收到钱。',
        preferredReplyChannel: 'app',
      },
    },
    {
      name: "a summary only, with the caller's name and the number they asked to be called back on",
      message: () =>
        signed({ callId: 'CC20261123-000640', agentId: 'A1042', callerNumber: 'anonymous', callbackNumber: '13912345670', callerName: '孙丽', agentSummary: '来电人反映网点排队两小时无人处理，态度差。' }),
      messageId: 'CC20261123-000640',
      complaint: {
        channel: 'hotline',
        channelReference: 'CC20261123-000640',
        complainant: { name: '孙丽', phone: '13912345670' },
        description: '来电人反映网点排队两小时无人处理，态度差。',
        preferredReplyChannel: 'phone',
        channelContext: { staffId: 'A1042' },
      },
    },
  ],
  forged: [
    { name: 'unsigned call', message: () => inboundMessage('hotline', body(verifiedCall)), reason: /signature headers/ },
    { name: 'call signed with another key', message: () => signedMessage('hotline', body(verifiedCall), randomBytes(32)), reason: /does not match/ },
    {
      name: 'call signed two hours before it arrived',
      message: () => ({ ...signedMessage('hotline', body(verifiedCall), SECRET, { at: new Date('2026-11-23T06:00:00Z') }), receivedAt: new Date('2026-11-23T08:00:00Z') }),
      reason: /more than 300 s from now/,
    },
  ],
  invalid: [
    { name: 'a body that is not JSON', message: () => signedMessage('hotline', 'callId=CC1', SECRET), reason: /not valid JSON/ },
    { name: 'a call without a call id', message: () => signed({ ...verifiedCall, callId: undefined }), reason: /callId is required/ },
    { name: 'a call id with spaces', message: () => signed({ ...verifiedCall, callId: 'CC 2026' }), reason: /callId is required/ },
    {
      name: 'a call with neither a summary nor the customer speaking',
      message: () => signed({ ...verifiedCall, agentSummary: ' ', transcript: verifiedCall.transcript.filter((t) => t.speaker === 'agent') }),
      reason: /summary or the customer's words/,
    },
    { name: 'a call with no summary and no transcript', message: () => signed({ ...verifiedCall, agentSummary: undefined, transcript: undefined }), reason: /summary or the customer's words/ },
    { name: 'a transcript that is not a list', message: () => signed({ ...verifiedCall, transcript: '客户说…' }), reason: /transcript must be a list/ },
    {
      name: 'a turn by an unknown speaker',
      message: () => signed({ ...verifiedCall, transcript: [...verifiedCall.transcript, { speaker: 'supervisor', text: '好的', at: '2026-11-23T07:49:00Z' }] }),
      reason: /transcript\[5\] needs speaker/,
    },
    {
      name: 'an anonymous caller the IVR did not verify and who gave no name',
      message: () => signed({ ...unverifiedCall, callerNumber: 'anonymous', callerName: undefined }),
      reason: /needs a caller number, a customer number the IVR verified/,
    },
    { name: 'a caller number that is not one', message: () => signed({ ...verifiedCall, callerNumber: 'sip:alice@pbx' }), reason: /callerNumber must be digits/ },
    { name: 'a call-back number that is not one', message: () => signed({ ...verifiedCall, callbackNumber: 'call me at home' }), reason: /callbackNumber must be digits/ },
    {
      name: 'a caller known only by name who withheld their number and left none to call back',
      message: () => signed({ callId: 'CC20261123-000641', callerNumber: 'anonymous', callerName: '孙丽', agentSummary: '来电人反映网点排队两小时无人处理，态度差。' }),
      reason: /the call leaves no way to answer the caller: the number was withheld and no call-back number was taken/,
    },
    { name: 'a letter asked for on the phone', message: () => signed({ ...verifiedCall, replyVia: 'letter' }), reason: /call does not make a valid complaint: preferredReplyChannel: letter needs complainant\.postalAddress/ },
    { name: 'an amount in an unknown currency', message: () => signed({ ...verifiedCall, currency: 'RMB' }), reason: /unknown currency/ },
    { name: 'an unknown reply channel', message: () => signed({ ...verifiedCall, replyVia: 'fax' }), reason: /replyVia must be one of/ },
    { name: 'a date the platform would reject', message: () => signed({ ...verifiedCall, occurredOn: '18/11/2026' }), reason: /call does not make a valid complaint: occurredAt/ },
  ],
  personalData: [
    '+8613800138000', 'C000888123', '6259 6500 1234 5678', verifiedCall.agentSummary, ...verifiedCall.transcript.map((t) => t.text).filter((t) => t.trim()),
    '021-6888-1234', 'C000555001', 'Sarah Collins', 'FT2611140032', unverifiedCall.agentSummary,
    '30045566', '手机银行转账显示成功，但对方说没收到钱。', '孙丽', '13912345670', '来电人反映网点排队两小时无人处理，态度差。', 'sip:alice@pbx', 'call me at home',
  ],
});

describe('hotline adapter', () => {
  const adapter = hotlineAdapter(config);
  const descriptionOf = async (call: unknown) => {
    const outcome = await adapter.map(signed(call));
    if (outcome.kind !== 'complaint') throw new Error(`expected a complaint, got ${JSON.stringify(outcome)}`);
    return outcome.complaint.description;
  };

  it('refuses everything when the hotline channel has no secret configured', () => {
    expect(hotlineAdapter({ secretFor: () => undefined }).verify(signed(verifiedCall))).toEqual({ ok: false, reason: 'channel "hotline" has no signing secret configured' });
  });

  it('calls back on the number the caller gave rather than the one presented', async () => {
    const outcome = await adapter.map(signed({ ...verifiedCall, callbackNumber: '13912345670' }));
    expect(outcome).toMatchObject({ kind: 'complaint', complaint: { complainant: { phone: '13912345670' }, preferredReplyChannel: 'phone' } });
  });

  it("does not take an unverified customer number as the caller's", async () => {
    const outcome = await adapter.map(signed(unverifiedCall));
    expect(outcome).toMatchObject({ kind: 'complaint' });
    if (outcome.kind === 'complaint') expect(outcome.complaint.complainant.customerId).toBeUndefined();
  });

  it('keeps the agent id as the staff id and the recording reference as the channel context', async () => {
    const outcome = await adapter.map(signed(verifiedCall));
    expect(outcome).toMatchObject({
      kind: 'complaint',
      complaint: { channelContext: { staffId: verifiedCall.agentId, recordingReference: verifiedCall.recordingRef } },
    });
  });

  it('keeps only the members of the channel context the call has', async () => {
    const recordingOnly = await adapter.map(signed({ ...verifiedCall, agentId: undefined }));
    expect(recordingOnly.kind === 'complaint' && recordingOnly.complaint.channelContext).toEqual({ recordingReference: verifiedCall.recordingRef });
    const neither = await adapter.map(signed({ ...verifiedCall, agentId: ' ', recordingRef: null }));
    expect(neither).toMatchObject({ kind: 'complaint' });
    if (neither.kind === 'complaint') expect('channelContext' in neither.complaint).toBe(false);
  });

  it('leaves out an agent id or recording reference the canonical complaint could not hold, and still files the call', async () => {
    const outcome = await adapter.map(signed({ ...verifiedCall, agentId: 'agent 1042', recordingRef: 'rec\\2026\\11\\23 call.wav' }));
    expect(outcome).toMatchObject({ kind: 'complaint', messageId: verifiedCall.callId });
    if (outcome.kind === 'complaint') expect(outcome.complaint.channelContext).toBeUndefined();
    const partly = await adapter.map(signed({ ...verifiedCall, recordingRef: `rec/${'x'.repeat(200)}.wav` }));
    expect(partly.kind === 'complaint' && partly.complaint.channelContext).toEqual({ staffId: 'A1042' });
  });

  it("keeps the summary and the customer's latest words when a long call does not fit, and says words were left out", async () => {
    const transcript = Array.from({ length: 120 }, (_, i) => ({ speaker: i % 2 ? 'agent' : 'customer', text: `第${i}句：${'我的钱到底去哪儿了'.repeat(10)}`, at: '2026-11-23T07:41:00Z' }));
    const description = await descriptionOf({ ...verifiedCall, transcript });
    expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
    expect(description.startsWith(`${verifiedCall.agentSummary}\n\n客户原话：\n（前面的话已省略）\n`)).toBe(true);
    expect(description.endsWith(transcript[118].text)).toBe(true);
    expect(description).not.toContain('第0句');
    expect(description).not.toContain('第1句'); // an agent's turn
  });

  it(`keeps the latest words of a transcript of ${MAX_TRANSCRIPT_TURNS} one-letter turns, dropping no more than it must`, async () => {
    const transcript = Array.from({ length: MAX_TRANSCRIPT_TURNS }, (_, i) => ({ speaker: i % 2 ? 'agent' : 'customer', text: i % 2 ? 'a' : 'ccc', at: 'x' }));
    transcript[MAX_TRANSCRIPT_TURNS - 2] = { speaker: 'customer', text: 'last', at: 'x' };
    const description = await descriptionOf({ ...unverifiedCall, transcript });
    expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
    // Each of the customer's turns takes four characters: one more would not have fitted.
    expect(description.length).toBeGreaterThan(MAX_DESCRIPTION_LENGTH - 4);
    expect(description.startsWith(`${unverifiedCall.agentSummary}\n\nThe customer's own words:\n(earlier words omitted)\nccc\nccc\n`)).toBe(true);
    expect(description.endsWith('\nccc\nlast')).toBe(true);
  });

  it.each([MAX_TRANSCRIPT_TURNS + 1, 200_000])('refuses a transcript of %i turns, saying how many it takes', async (length) => {
    const transcript = Array.from({ length }, (_, i) => ({ speaker: i % 2 ? 'agent' : 'customer', text: 'a', at: 'x' }));
    expect(await adapter.map(signed({ ...unverifiedCall, transcript }))).toEqual({
      kind: 'refused',
      reason: `the transcript has ${length} turns; at most ${MAX_TRANSCRIPT_TURNS} can be filed with a call`,
      path: 'transcript',
    });
  });

  it('cuts a single turn that alone is too long, and an over-long summary, to the limit', async () => {
    const description = await descriptionOf({ ...unverifiedCall, agentSummary: 'S'.repeat(5000), transcript: [{ speaker: 'customer', text: 'W'.repeat(5000), at: 'x' }] });
    expect(description.length).toBe(MAX_DESCRIPTION_LENGTH);
    expect(description).toMatch(/^S{1999}…\n\nThe customer's own words:\nW+…$/);
  });

  it('keeps a long summary whole when it leaves room for the words', async () => {
    const summary = 'S'.repeat(3000);
    const description = await descriptionOf({ ...unverifiedCall, agentSummary: summary });
    expect(description.startsWith(`${summary}\n\nThe customer's own words:\nMy transfer`)).toBe(true);
  });

  it('labels the words in Chinese when the call has no language but Chinese text', async () => {
    expect(await descriptionOf({ ...verifiedCall, lang: undefined })).toContain('\n\n客户原话：\n');
    expect(await descriptionOf({ ...unverifiedCall, lang: undefined })).toContain("\n\nThe customer's own words:\n");
  });
});
