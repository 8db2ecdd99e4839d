import { CreateComplaints1763884900000 } from './1763884900000-create-complaints';
import { SealDescriptions1763971200000 } from './1763971200000-seal-descriptions';
import { CanonicalComplaintDetails1763971400000 } from './1763971400000-canonical-complaint-details';

export const intakeMigrations = [CreateComplaints1763884900000, SealDescriptions1763971200000, CanonicalComplaintDetails1763971400000];
