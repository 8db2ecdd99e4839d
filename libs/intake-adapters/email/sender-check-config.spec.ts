import { emailSenderCheckOf } from '../src/adapter-config';

describe('EMAIL_AUTHSERV_IDS and EMAIL_DMARC', () => {
  it("requires DMARC by the gateway's authserv-ids, as listed", () => {
    expect(emailSenderCheckOf({ EMAIL_AUTHSERV_IDS: ' mail-gw.bank.example , mail-gw2.bank.example,' })).toEqual({
      dmarc: 'required',
      authservIds: ['mail-gw.bank.example', 'mail-gw2.bank.example'],
    });
    expect(emailSenderCheckOf({ EMAIL_AUTHSERV_IDS: 'mail-gw.bank.example', EMAIL_DMARC: 'Required' })).toEqual({ dmarc: 'required', authservIds: ['mail-gw.bank.example'] });
  });

  it('is not configured when neither is set, so that the e-mail channel refuses every message rather than trusting any From', () => {
    expect(emailSenderCheckOf({})).toBeUndefined();
    expect(emailSenderCheckOf({ EMAIL_AUTHSERV_IDS: ' , ', EMAIL_DMARC: '' })).toBeUndefined();
  });

  it('turns the check off only when told so', () => {
    expect(emailSenderCheckOf({ EMAIL_DMARC: 'off' })).toEqual({ dmarc: 'off' });
  });

  it.each([
    [{ EMAIL_DMARC: 'no' }, /EMAIL_DMARC is "required" \(the default\) or "off", got "no"/],
    [{ EMAIL_DMARC: 'off', EMAIL_AUTHSERV_IDS: 'mail-gw.bank.example' }, /contradict/],
    [{ EMAIL_DMARC: 'required' }, /EMAIL_DMARC=required needs EMAIL_AUTHSERV_IDS/],
    [{ EMAIL_AUTHSERV_IDS: 'mail-gw.bank.example; dmarc=pass' }, /is not an authserv-id/],
    [{ EMAIL_AUTHSERV_IDS: 'mail gw' }, /is not an authserv-id/],
  ])('refuses to start with %j', (env, message) => {
    expect(() => emailSenderCheckOf(env)).toThrow(message);
  });
});
