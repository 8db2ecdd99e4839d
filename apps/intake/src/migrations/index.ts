import { CreateComplaints1763884900000 } from './1763884900000-create-complaints';
import { SealDescriptions1763971200000 } from './1763971200000-seal-descriptions';

export const intakeMigrations = [CreateComplaints1763884900000, SealDescriptions1763971200000];
