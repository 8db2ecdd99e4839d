#!/usr/bin/env node
// npm run token -- <role>[,<role>...] [subject] [--channel <channel>] [--limit <approval limit, minor units>]
// Prints a bearer token from the local stack's development issuer.
import { issueDevToken } from './dev-issuer.mjs';

const ROLES = ['channel-adapter', 'customer', 'triage-officer', 'investigator', 'department-staff', 'approver', 'compliance-officer', 'auditor', 'administrator'];
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
};
const channel = option('channel');
const limit = option('limit');
const [roleArg, subject] = args;
const roles = (roleArg ?? '').split(',').filter(Boolean);
if (roles.length === 0 || roles.some((r) => !ROLES.includes(r))) {
  console.error(`usage: npm run token -- <role>[,<role>...] [subject] [--channel <channel>] [--limit <minor units>]\nroles: ${ROLES.join(', ')}`);
  process.exit(2);
}
if (roles.includes('channel-adapter') && !channel) {
  console.error('a channel-adapter token needs --channel (branch, hotline, mobile-app, web, wechat, email, chatbot, regulator)');
  process.exit(2);
}
process.stdout.write(
  (await issueDevToken({ roles, subject, channel, approvalLimitMinor: limit === undefined ? undefined : Number(limit) })) + '\n',
);
