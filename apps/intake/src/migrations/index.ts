import { CreateComplaints1763884900000 } from './1763884900000-create-complaints';
import { SealDescriptions1763971200000 } from './1763971200000-seal-descriptions';
import { CanonicalComplaintDetails1763971400000 } from './1763971400000-canonical-complaint-details';
import { CustomerSelfService1763971600000 } from './1763971600000-customer-self-service';
import { ChannelContext1763971700000 } from './1763971700000-channel-context';
import { RequestFingerprint1796661116000 } from './1796661116000-request-fingerprint';
import { SupplementFingerprint1796747516000 } from './1796747516000-supplement-fingerprint';
import { ProofFailuresPerAsker1796833916000 } from './1796833916000-proof-failures-per-asker';
import { RegulatorDeadlineChanges1797020000000 } from './1797020000000-regulator-deadline-changes';

export const intakeMigrations = [CreateComplaints1763884900000, SealDescriptions1763971200000, CanonicalComplaintDetails1763971400000, CustomerSelfService1763971600000, ChannelContext1763971700000, RequestFingerprint1796661116000, SupplementFingerprint1796747516000, ProofFailuresPerAsker1796833916000, RegulatorDeadlineChanges1797020000000];
