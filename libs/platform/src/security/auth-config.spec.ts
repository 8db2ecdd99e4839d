import { authConfigFromEnv } from './auth-config';

const VALID = {
  AUTH_ISSUER: 'https://idp.bank.example/realms/complaints',
  AUTH_AUDIENCE: 'complaints-platform',
  AUTH_JWKS_URL: 'https://idp.bank.example/realms/complaints/protocol/openid-connect/certs',
};

describe('authConfigFromEnv — required variables', () => {
  it('authConfigFromEnv_withNothingSet_namesAllThreeMissingVariables', () => {
    expect(() => authConfigFromEnv({})).toThrow(/^AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL not set/);
  });

  it.each(['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL'] as const)('authConfigFromEnv_without_%s_namesOnlyThatVariable', (name) => {
    const env: Record<string, string | undefined> = { ...VALID };
    delete env[name];
    let message = '';
    try {
      authConfigFromEnv(env);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`^${name} not set`));
    for (const other of Object.keys(VALID).filter((k) => k !== name)) expect(message).not.toContain(other);
  });

  it('authConfigFromEnv_withEmptyStrings_treatsThemAsMissing', () => {
    expect(() => authConfigFromEnv({ ...VALID, AUTH_ISSUER: '', AUTH_AUDIENCE: '' })).toThrow(/^AUTH_ISSUER, AUTH_AUDIENCE not set/);
  });

  it('authConfigFromEnv_byDefault_readsProcessEnv', () => {
    const saved = { ...process.env };
    try {
      for (const k of Object.keys(VALID)) delete process.env[k];
      expect(() => authConfigFromEnv()).toThrow(/not set/);
      Object.assign(process.env, VALID);
      expect(authConfigFromEnv().issuer).toBe(VALID.AUTH_ISSUER);
    } finally {
      for (const k of Object.keys(VALID)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

describe('authConfigFromEnv — the JWKS URL', () => {
  it.each(['not a url', '/etc/jwks.json', 'idp.bank.example/certs'])('authConfigFromEnv_withNonUrl_%p_isRefused', (url) => {
    expect(() => authConfigFromEnv({ ...VALID, AUTH_JWKS_URL: url })).toThrow(`AUTH_JWKS_URL is not a URL: ${url}`);
  });

  it.each(['ftp://idp.bank.example/jwks.json', 'data:application/json,{}', 'javascript:alert(1)', 'ws://idp.bank.example/jwks'])(
    'authConfigFromEnv_withUnsupportedProtocol_%p_isRefused',
    (url) => {
      const protocol = new URL(url).protocol;
      expect(() => authConfigFromEnv({ ...VALID, AUTH_JWKS_URL: url })).toThrow(`AUTH_JWKS_URL must be https:, http: or file:, not ${protocol}`);
    },
  );

  it.each(['https://idp.bank.example/certs', 'http://127.0.0.1:8080/jwks.json', 'file:///tmp/jwks.json'])(
    'authConfigFromEnv_withSupportedProtocol_%p_isAccepted',
    (url) => {
      const config = authConfigFromEnv({ ...VALID, AUTH_JWKS_URL: url });
      expect(config.jwksUrl).toBeInstanceOf(URL);
      expect(config.jwksUrl.href).toBe(new URL(url).href);
    },
  );
});

describe('authConfigFromEnv — defaults and overrides', () => {
  it('authConfigFromEnv_withOnlyRequiredVariables_usesDefaults', () => {
    expect(authConfigFromEnv({ ...VALID })).toEqual({
      issuer: VALID.AUTH_ISSUER,
      audience: VALID.AUTH_AUDIENCE,
      jwksUrl: new URL(VALID.AUTH_JWKS_URL),
      rolesClaim: 'roles',
      clockToleranceSeconds: 30,
    });
  });

  it('authConfigFromEnv_withRolesClaimAndTolerance_usesThem', () => {
    const config = authConfigFromEnv({ ...VALID, AUTH_ROLES_CLAIM: 'realm_access.roles', AUTH_CLOCK_TOLERANCE_SECONDS: '5' });
    expect(config.rolesClaim).toBe('realm_access.roles');
    expect(config.clockToleranceSeconds).toBe(5);
  });

  it('authConfigFromEnv_withZeroTolerance_keepsZero', () => {
    expect(authConfigFromEnv({ ...VALID, AUTH_CLOCK_TOLERANCE_SECONDS: '0' }).clockToleranceSeconds).toBe(0);
  });

  // A NaN tolerance makes jose's `exp <= now - tolerance` and `nbf > now + tolerance` checks always
  // false, so expired tokens would be accepted: the configuration must refuse it.
  it.each(['abc', '-5', 'Infinity', '30s'])('authConfigFromEnv_withUnusableTolerance_%p_isRefused', (value) => {
    expect(() => authConfigFromEnv({ ...VALID, AUTH_CLOCK_TOLERANCE_SECONDS: value })).toThrow(/AUTH_CLOCK_TOLERANCE_SECONDS/);
  });
});
