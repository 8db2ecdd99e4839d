import { CreateComplaints1763884900000 } from './1763884900000-create-complaints';

export const intakeMigrations = [CreateComplaints1763884900000];
