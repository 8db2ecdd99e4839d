import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ComplaintReceived, EventEnvelope } from '@complaints/contracts';
import type { PersonalDataView } from './personal-data-view';
import { FieldCipher } from '@complaints/platform';
import { erasedMarker, isSealedField, openEnvelope, openPlatformSealed, sealableFields, SealedField, sealEnvelope } from './sealed-fields';
import { newSubjectKeyId, openValue, SealedValueError, sealedKeyId, sealValue, SubjectKeyring } from './subject-cipher';

/** A subject's key as the archive uses it: the data key while it exists, the destruction date after. */
interface SubjectKey {
  keyId: string;
  dataKey: Buffer | null;
  destroyedAt: string | null;
}

interface KeyRow {
  key_id: string;
  wrapped_key: string | null;
  destroyed_at: Date | null;
}

/** Opens one sealed field bound to `id` and `path`, handing what it holds to `read`; the erasure marker or a note if it cannot. */
type FieldOpener = (field: SealedField, id: string, path: string, read: (value: unknown) => unknown) => unknown;

/**
 * The per-subject data keys in archive_subject_keys, and which complaint is sealed under which
 * key (archive_complaint_subjects). Keys are looked up `FOR SHARE`, so an append and a purge of
 * the same key never overlap: the purge takes the rows `FOR UPDATE`.
 *
 * This part needs the master keys only, not the platform's PII keys, so a migration can seal
 * with it (1796851200000-sealed-hold-reasons.ts); the service uses SubjectKeys below.
 */
export class SubjectKeyStore {
  constructor(readonly keyring: SubjectKeyring) {}

  /**
   * Seals a text kept outside the chain about a complaint (a legal hold's reasons) under the key
   * its events are sealed under, so destroying that key erases it with them. `id` and `path` name
   * its row and column and are bound into the seal, as an event's id and field path are: the
   * value opens nowhere else. Stored as the erasure date if the key is destroyed already.
   */
  async sealText(manager: EntityManager, complaintId: string, id: string, path: string, text: string): Promise<SealedField> {
    const { dataKey, keyId, destroyedAt } = await this.keyOfComplaint(manager, complaintId);
    if (!dataKey) return { erased: destroyedAt! };
    return { sealed: sealValue(dataKey, keyId, id, path, text) };
  }

  /**
   * Opens texts sealed by sealText: each reads as written (in the reader's view), as the erasure
   * marker once its key is destroyed, or as a note if it does not open. The view applies to the
   * text only; the marker and the note are the archive's own words.
   */
  async textOpenerFor(manager: EntityManager, fields: SealedField[], view: PersonalDataView): Promise<(id: string, path: string, field: SealedField) => string> {
    const open = await this.fieldOpener(manager, fields);
    return (id, path, field) => String(open(field, id, path, (value) => view.text(typeof value === 'string' ? value : JSON.stringify(value))));
  }

  /** The keys the fields name, read once; what each field opens to then follows. */
  protected async fieldOpener(manager: EntityManager, fields: Iterable<unknown>): Promise<FieldOpener> {
    const keyIds = new Set<string>();
    for (const value of fields) {
      if (isSealedField(value) && 'sealed' in value) {
        try {
          keyIds.add(sealedKeyId(value.sealed));
        } catch {
          // named as unreadable when opened
        }
      }
    }
    const rows: KeyRow[] = keyIds.size
      ? await manager.query(`SELECT key_id, wrapped_key, destroyed_at FROM archive_subject_keys WHERE key_id = ANY($1)`, [[...keyIds]])
      : [];
    const keys = new Map(rows.map((r) => [r.key_id, r]));
    const dataKeys = new Map<string, Buffer>();
    const cannotOpen = (why: string) => `[sealed value cannot be opened: ${why}]`;
    return (field, id, path, read) => {
      if ('erased' in field) return erasedMarker(field.erased);
      try {
        const keyId = sealedKeyId(field.sealed);
        const row = keys.get(keyId);
        if (!row) return cannotOpen(`key ${keyId} is not in the archive`);
        if (row.destroyed_at || !row.wrapped_key) return erasedMarker(row.destroyed_at ?? new Date(0));
        let dataKey = dataKeys.get(keyId);
        if (!dataKey) dataKeys.set(keyId, (dataKey = this.keyring.unwrap(keyId, row.wrapped_key)));
        return read(openValue(dataKey, field.sealed, id, path));
      } catch (e) {
        if (e instanceof SealedValueError) return cannotOpen(e.message);
        throw e;
      }
    };
  }

  /** The key a complaint's fields are sealed under: its customer's once known, else a key of the complaint's own. */
  protected async keyOfComplaint(manager: EntityManager, complaintId: string): Promise<SubjectKey> {
    return (await this.filedKeyOf(manager, complaintId)) ?? this.liveKeyOf(manager, 'complaint_id', complaintId);
  }

  protected async filedKeyOf(manager: EntityManager, complaintId: string): Promise<SubjectKey | null> {
    const rows: KeyRow[] = await manager.query(
      `SELECT k.key_id, k.wrapped_key, k.destroyed_at FROM archive_complaint_subjects s JOIN archive_subject_keys k ON k.key_id = s.key_id
        WHERE s.complaint_id = $1 FOR SHARE OF k`,
      [complaintId],
    );
    return rows.length ? this.toKey(rows[0]) : null;
  }

  /** The subject's key that is not destroyed, made now if there is none (a customer purged earlier gets a new one). */
  protected async liveKeyOf(manager: EntityManager, column: 'customer_ref' | 'complaint_id', subject: string): Promise<SubjectKey> {
    const find = async () => {
      const rows: KeyRow[] = await manager.query(
        `SELECT key_id, wrapped_key, destroyed_at FROM archive_subject_keys WHERE ${column} = $1 AND destroyed_at IS NULL FOR SHARE`,
        [subject],
      );
      return rows.length ? this.toKey(rows[0]) : null;
    };
    const found = await find();
    if (found) return found;
    if (column === 'complaint_id') {
      // A complaint's own key is made once: if it was destroyed with its customer, what comes later is erased too.
      const destroyed: KeyRow[] = await manager.query(`SELECT key_id, wrapped_key, destroyed_at FROM archive_subject_keys WHERE complaint_id = $1`, [subject]);
      if (destroyed.length) return this.toKey(destroyed[0]);
    }
    const keyId = newSubjectKeyId();
    const { dataKey, wrapped } = this.keyring.newDataKey(keyId);
    const made: unknown[] = await manager.query(
      `INSERT INTO archive_subject_keys (key_id, ${column}, wrapped_key) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING key_id`,
      [keyId, subject, wrapped],
    );
    if (made.length) return { keyId, dataKey, destroyedAt: null };
    const raced = await find();
    if (!raced) throw new Error(`no live key for ${column} ${subject} after a concurrent insert`);
    return raced;
  }

  private toKey(row: KeyRow): SubjectKey {
    if (row.destroyed_at || !row.wrapped_key) return { keyId: row.key_id, dataKey: null, destroyedAt: (row.destroyed_at ?? new Date(0)).toISOString() };
    return { keyId: row.key_id, dataKey: this.keyring.unwrap(row.key_id, row.wrapped_key), destroyedAt: null };
  }
}

/** The store as the service uses it: with the master keys (required at start-up) and the platform's PII keys. */
@Injectable()
export class SubjectKeys extends SubjectKeyStore {
  constructor() {
    // Read at start-up: without master keys the archive does not start.
    super(SubjectKeyring.fromEnv());
  }

  /**
   * Opens the fields that arrive sealed under the platform's PII keys (PLATFORM_SEALED_FIELDS).
   * Read at start-up too: without it an issued response could not be archived.
   */
  private readonly platformKeys = FieldCipher.fromEnv(process.env, { pseudonyms: false });

  /**
   * The event as it goes into the chain: its personal fields (sealed-fields.ts) sealed under the
   * data key of the complaint's customer. complaint.received names the customer: the complaint is
   * filed under the customer's key from then on, and a key the complaint had on its own before
   * (events that arrived first) is linked to the customer, so a purge of the customer takes it too.
   * A field that arrived platform-sealed is opened first, and only while the customer's key lives:
   * what is sealed under it is the text, so destroying that key erases it.
   */
  async seal(manager: EntityManager, event: EventEnvelope): Promise<EventEnvelope> {
    const received = event.type === 'complaint.received' ? await this.fileUnderCustomer(manager, event as EventEnvelope<ComplaintReceived>) : null;
    if (!sealableFields(event).length) return event;
    const key = received ?? (await this.keyOfComplaint(manager, event.complaintId));
    const { dataKey, keyId, destroyedAt } = key;
    if (!dataKey) return sealEnvelope(event, (): SealedField => ({ erased: destroyedAt! }));
    const opened = openPlatformSealed(event, (sealed) => this.platformKeys.decrypt(sealed));
    return sealEnvelope(opened, (path, value): SealedField => ({ sealed: sealValue(dataKey, keyId, event.eventId, path, value) }));
  }

  /**
   * Opens the sealed fields of envelopes read from the archive: the keys they name are read once,
   * then each field reads as it was, or as the erasure marker once its key is destroyed. A value
   * that does not open (altered, moved, unknown key) reads as a note saying so, not as an error:
   * the record stays readable, and its integrity verdict is what tells of tampering. The reader's
   * view applies to the customer's data only, never to those notes, and is a required argument:
   * whoever reads has a view, so none can be forgotten.
   */
  async openerFor(manager: EntityManager, envelopes: EventEnvelope[], view: PersonalDataView): Promise<<E extends EventEnvelope>(envelope: E) => E> {
    const open = await this.fieldOpener(manager, envelopes.flatMap((envelope) => sealableFields(envelope).map(([, value]) => value)));
    return <E extends EventEnvelope>(envelope: E) =>
      view.unsealed(
        openEnvelope(
          envelope,
          (path, field) => open(field, envelope.eventId, path, (value) => view.field(envelope.type, path, value)),
          (path, value) => view.field(envelope.type, path, value),
        ),
      );
  }

  /** complaint.received: the customer's live key (made if none), the complaint filed under it, an earlier complaint key linked. */
  private async fileUnderCustomer(manager: EntityManager, event: EventEnvelope<ComplaintReceived>): Promise<SubjectKey | null> {
    const customerRef = event.payload?.customerRef;
    if (typeof customerRef !== 'string' || !customerRef) return null;
    const filed = await this.filedKeyOf(manager, event.complaintId);
    if (filed) return filed;
    const key = await this.liveKeyOf(manager, 'customer_ref', customerRef);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO archive_complaint_subjects (complaint_id, customer_ref, key_id, regime)
       VALUES ($1, $2, $3, $4) ON CONFLICT (complaint_id) DO NOTHING RETURNING complaint_id`,
      [event.complaintId, customerRef, key.keyId, typeof event.payload.regime === 'string' ? event.payload.regime : null],
    );
    // Another replica filed it first: its choice stands.
    if (!inserted.length) return this.filedKeyOf(manager, event.complaintId);
    await manager.query(
      `UPDATE archive_subject_keys SET linked_to = $2 WHERE complaint_id = $1 AND linked_to IS NULL AND destroyed_at IS NULL`,
      [event.complaintId, customerRef],
    );
    return key;
  }
}
