import { createHash } from 'node:crypto';
import { canonicalJson, chainHash, ChainLink, columnsProblem, GENESIS_HASH, verifyChain } from './hash-chain';

/** A number from its IEEE-754 bit pattern, the way RFC 8785 Appendix B lists its examples. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalJson', () => {
  it('canonicalJson_keyOrder_doesNotMatter', () => {
    const a = { type: 'complaint.received', version: 1, payload: { summary: '盗刷', amount: { currency: 'CNY', amountMinor: 5000 } } };
    const b = { payload: { amount: { amountMinor: 5000, currency: 'CNY' }, summary: '盗刷' }, version: 1, type: 'complaint.received' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"payload":{"amount":{"amountMinor":5000,"currency":"CNY"},"summary":"盗刷"},"type":"complaint.received","version":1}');
  });

  it('canonicalJson_arrayOrder_isPreserved', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson({ r: ['b', 'a'] })).not.toBe(canonicalJson({ r: ['a', 'b'] }));
  });

  it('canonicalJson_hasNoWhitespace', () => {
    expect(canonicalJson({ a: [1, { b: null }], c: 'x y' })).toBe('{"a":[1,{"b":null}],"c":"x y"}');
  });

  it('canonicalJson_keysSortByUtf16CodeUnits_rfc8785Section3_2_3', () => {
    // RFC 8785 §3.2.3 sorting example; expected order as listed in the RFC
    const input = JSON.parse(
      String.raw`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`,
    );
    const values = [...canonicalJson(input).matchAll(/:"([^"]*)"/g)].map((m) => m[1]);
    expect(values).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it('canonicalJson_rfc8785Section3_2_2_example_numbersStringsLiterals', () => {
    const input = JSON.parse(
      String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`,
    );
    expect(canonicalJson(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // minus zero
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('canonicalJson_rfc8785AppendixB_bits_%s_serialisesAs_%s', (bits, expected) => {
    expect(canonicalJson(fromBits(bits))).toBe(expected);
    expect(canonicalJson({ n: fromBits(bits) })).toBe(`{"n":${expected}}`);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('canonicalJson_%s_isRejected', (_label, n) => {
    expect(() => canonicalJson({ n })).toThrow();
  });

  it('canonicalJson_undefined_cannotBeCanonicalised', () => {
    expect(() => canonicalJson(undefined)).toThrow('value cannot be canonicalised');
  });

  it('canonicalJson_propertiesThatAreUndefined_areOmitted', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });
});

describe('chainHash', () => {
  it('chainHash_isSha256OfPreviousHashNewlineCanonicalUtf8', () => {
    // pinned: stored archives were hashed this way and must keep verifying
    const canonical = '{"summary":"信用卡被盗刷"}';
    const expected = createHash('sha256').update(Buffer.from(`${GENESIS_HASH}\n${canonical}`, 'utf8')).digest('hex');
    expect(chainHash(GENESIS_HASH, canonical)).toBe(expected);
  });

  it('chainHash_dependsOnBothInputs', () => {
    const h = chainHash(GENESIS_HASH, '{"a":1}');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash('1'.repeat(64), '{"a":1}')).not.toBe(h);
    expect(chainHash(GENESIS_HASH, '{"a":2}')).not.toBe(h);
  });
});

describe('verifyChain', () => {
  const EVENTS = [
    { type: 'complaint.received', version: 1, payload: { ticketNumber: 'CMP-20261120-00000042-7', summary: '卡号************7890被盗刷' } },
    { type: 'complaint.triaged', version: 1, payload: { category: 'cards', severity: 'medium' } },
    { type: 'case.opened', version: 1, payload: { department: 'card-centre' } },
    { type: 'case.resolved', version: 1, payload: { outcome: 'upheld', explanation: '全额退还' } },
    { type: 'remedy.proposed', version: 1, payload: { amount: { amountMinor: 500000, currency: 'CNY' } } },
    { type: 'notification.sent', version: 1, payload: { kind: 'final-response' } },
  ];

  /** Builds links as the archive does: seq from 1 (as text, like a bigint column), each hash over the previous. */
  function buildChain(events: unknown[], firstSeq = 1, startHash = GENESIS_HASH): ChainLink[] {
    const links: ChainLink[] = [];
    let prev = startHash;
    events.forEach((e, i) => {
      const canonical = canonicalJson(e);
      const entryHash = chainHash(prev, canonical);
      links.push({ seq: String(firstSeq + i), canonical, prevHash: prev, entryHash });
      prev = entryHash;
    });
    return links;
  }

  const chain = buildChain(EVENTS);

  it('verifyChain_builtChain_isIntact', () => {
    expect(verifyChain(chain)).toEqual({ intact: true, entries: EVENTS.length });
  });

  it('verifyChain_emptyChain_isIntact', () => {
    expect(verifyChain([])).toEqual({ intact: true, entries: 0 });
  });

  it('verifyChain_acceptsAnyIterable', () => {
    function* stream() {
      yield* chain;
    }
    expect(verifyChain(stream())).toEqual({ intact: true, entries: EVENTS.length });
  });

  it('verifyChain_segmentFromTheMiddle_verifiesFromItsStartHash', () => {
    const tail = chain.slice(3);
    expect(verifyChain(tail, chain[2].entryHash)).toEqual({ intact: true, entries: tail.length });
    expect(verifyChain(tail)).toMatchObject({ intact: false, brokenAtSeq: '4' });
  });

  it('verifyChain_oneChangedByteInAnyEntry_isDetected_andNamesThatEntry', () => {
    for (let i = 0; i < chain.length; i++) {
      const bytes = Buffer.from(chain[i].canonical, 'utf8');
      for (let pos = 0; pos < bytes.length; pos++) {
        const changed = Buffer.from(bytes);
        changed[pos] = changed[pos] ^ 0x20;
        // a bit flip inside a multi-byte character decodes to U+FFFD, which the original does not contain
        const text = changed.toString('utf8');
        expect(text).not.toBe(chain[i].canonical);
        const tampered = chain.map((l, j) => (j === i ? { ...l, canonical: text } : l));
        const verdict = verifyChain(tampered);
        expect({ entry: i, pos, verdict }).toEqual({
          entry: i,
          pos,
          verdict: {
            intact: false,
            entries: i + 1,
            brokenAtSeq: chain[i].seq,
            problem: 'entry content does not match its hash',
          },
        });
      }
    }
  });

  it('verifyChain_changedEntryWithRecomputedHash_isDetectedAtTheNextEntry', () => {
    for (let i = 0; i < chain.length - 1; i++) {
      const forged = { ...chain[i], canonical: chain[i].canonical.replace('1}', '2}') };
      forged.entryHash = chainHash(forged.prevHash, forged.canonical);
      const tampered = chain.map((l, j) => (j === i ? forged : l));
      expect(verifyChain(tampered)).toEqual({
        intact: false,
        entries: i + 2,
        brokenAtSeq: chain[i + 1].seq,
        problem: 'previous-hash link does not match the entry before it',
      });
    }
  });

  it('verifyChain_brokenPrevLink_isDetected_atEveryPosition', () => {
    for (let i = 0; i < chain.length; i++) {
      const tampered = chain.map((l, j) => (j === i ? { ...l, prevHash: 'f'.repeat(64) } : l));
      expect(verifyChain(tampered)).toEqual({
        intact: false,
        entries: i + 1,
        brokenAtSeq: chain[i].seq,
        problem: 'previous-hash link does not match the entry before it',
      });
    }
  });

  it('verifyChain_firstEntryNotLinkedToGenesis_isDetected', () => {
    const elsewhere = buildChain(EVENTS, 1, 'a'.repeat(64));
    expect(verifyChain(elsewhere)).toMatchObject({ intact: false, entries: 1, brokenAtSeq: '1' });
  });

  it('verifyChain_changedEntryHash_isDetected', () => {
    for (let i = 0; i < chain.length; i++) {
      const tampered = chain.map((l, j) => (j === i ? { ...l, entryHash: 'e'.repeat(64) } : l));
      expect(verifyChain(tampered)).toMatchObject({ intact: false, brokenAtSeq: chain[i].seq, entries: i + 1 });
    }
  });

  it('verifyChain_adjacentEntriesSwapped_isDetected_atEveryPosition', () => {
    for (let i = 0; i < chain.length - 1; i++) {
      const swapped = [...chain];
      [swapped[i], swapped[i + 1]] = [swapped[i + 1], swapped[i]];
      expect(verifyChain(swapped)).toEqual({
        intact: false,
        entries: i + 1,
        brokenAtSeq: chain[i + 1].seq, // the entry that now sits at position i
        problem: 'previous-hash link does not match the entry before it',
      });
    }
  });

  it('verifyChain_reversedChain_isDetected', () => {
    expect(verifyChain([...chain].reverse())).toMatchObject({ intact: false, entries: 1, brokenAtSeq: chain[chain.length - 1].seq });
  });

  it('verifyChain_deletedEntry_isDetectedAtTheEntryAfterTheGap', () => {
    for (let i = 0; i < chain.length - 1; i++) {
      const gap = chain.filter((_, j) => j !== i);
      expect(verifyChain(gap)).toMatchObject({ intact: false, brokenAtSeq: chain[i + 1].seq });
    }
  });

  it('verifyChain_duplicatedEntry_isDetected', () => {
    const dup = [...chain.slice(0, 3), chain[2], ...chain.slice(3)];
    expect(verifyChain(dup)).toMatchObject({ intact: false, entries: 4, brokenAtSeq: chain[2].seq });
  });

  describe('with the archive\'s expectations: seq from 1 without gaps, ending at the recorded head', () => {
    const head = { seq: chain[chain.length - 1].seq, entryHash: chain[chain.length - 1].entryHash };

    it('verifyChain_expectations_intactChain_isIntact', () => {
      expect(verifyChain(chain, GENESIS_HASH, { firstSeq: '1', head })).toEqual({ intact: true, entries: EVENTS.length });
    });

    it('verifyChain_expectations_emptyArchive_atGenesisHead_isIntact', () => {
      expect(verifyChain([], GENESIS_HASH, { firstSeq: '1', head: { seq: '0', entryHash: GENESIS_HASH } })).toEqual({ intact: true, entries: 0 });
    });

    it('verifyChain_expectations_renumberedSeq_withIntactLinks_namesThatEntry', () => {
      const renumbered = chain.map((l, j) => (j >= 3 ? { ...l, seq: String(Number(l.seq) + 1) } : l));
      expect(verifyChain(renumbered, GENESIS_HASH, { firstSeq: '1' })).toEqual({
        intact: false,
        entries: 4,
        brokenAtSeq: '5',
        problem: 'sequence number is not 4, the one after the entry before it',
      });
      // without the expectation the links alone cannot see it
      expect(verifyChain(renumbered)).toEqual({ intact: true, entries: EVENTS.length });
    });

    it('verifyChain_expectations_segmentFromTheMiddle_startsAtItsFirstSeq', () => {
      expect(verifyChain(chain.slice(3), chain[2].entryHash, { firstSeq: '4', head })).toEqual({ intact: true, entries: 3 });
      expect(verifyChain(chain.slice(3), chain[2].entryHash, { firstSeq: '1' })).toMatchObject({ intact: false, brokenAtSeq: '4' });
    });

    it.each([1, 2, 3])('verifyChain_expectations_last_%i_entriesRemoved_namesTheFirstMissingSeq', (n) => {
      const cut = chain.slice(0, chain.length - n);
      expect(verifyChain(cut)).toEqual({ intact: true, entries: cut.length }); // links alone cannot see it
      expect(verifyChain(cut, GENESIS_HASH, { firstSeq: '1', head })).toEqual({
        intact: false,
        entries: cut.length,
        brokenAtSeq: String(cut.length + 1),
        problem: `entries are missing: the chain ends at seq ${cut.length} but its head records seq ${EVENTS.length}`,
      });
    });

    it('verifyChain_expectations_everyEntryRemoved_namesSeq1', () => {
      expect(verifyChain([], GENESIS_HASH, { firstSeq: '1', head })).toMatchObject({ intact: false, entries: 0, brokenAtSeq: '1' });
    });

    it('verifyChain_expectations_entriesBeyondTheHead_areNamed', () => {
      const behind = { seq: chain[3].seq, entryHash: chain[3].entryHash };
      expect(verifyChain(chain, GENESIS_HASH, { firstSeq: '1', head: behind })).toEqual({
        intact: false,
        entries: EVENTS.length,
        brokenAtSeq: '5',
        problem: `entries beyond the recorded head: the chain ends at seq ${EVENTS.length} but its head records seq 4`,
      });
    });

    it('verifyChain_expectations_headHashNotTheLastEntry_isDetected', () => {
      expect(verifyChain(chain, GENESIS_HASH, { firstSeq: '1', head: { seq: head.seq, entryHash: 'c'.repeat(64) } })).toEqual({
        intact: false,
        entries: EVENTS.length,
        brokenAtSeq: head.seq,
        problem: "the last entry's hash is not the one the chain head records",
      });
    });

    it('verifyChain_expectations_oneChangedByte_isStillNamedAsContent', () => {
      const tampered = chain.map((l, j) => (j === 2 ? { ...l, canonical: l.canonical.replace('case.opened', 'case.Opened') } : l));
      expect(verifyChain(tampered, GENESIS_HASH, { firstSeq: '1', head })).toEqual({
        intact: false,
        entries: 3,
        brokenAtSeq: '3',
        problem: 'entry content does not match its hash',
      });
    });
  });

  describe('stored columns', () => {
    const COMPLAINT = '0b6f7c1e-4a5d-4c3b-9e2f-1a2b3c4d5e6f';
    const envelopes = EVENTS.map((e, i) => ({ ...e, complaintId: COMPLAINT, occurredAt: `2026-11-2${i}T09:30:00.000+08:00` }));
    const withColumns = buildChain(envelopes).map((l, i) => ({
      ...l,
      columns: { complaintId: COMPLAINT, eventType: envelopes[i].type, occurredAt: new Date(envelopes[i].occurredAt) },
    }));
    const changed = (i: number, columns: Partial<NonNullable<ChainLink['columns']>>) =>
      withColumns.map((l, j) => (j === i ? { ...l, columns: { ...l.columns, ...columns } } : l));

    it('verifyChain_columnsMatchingTheText_isIntact', () => {
      expect(verifyChain(withColumns)).toEqual({ intact: true, entries: EVENTS.length });
      // The same instant in another offset, and the uuid in another case, are the same values.
      expect(columnsProblem(withColumns[0].canonical, { complaintId: COMPLAINT.toUpperCase(), eventType: 'complaint.received', occurredAt: '2026-11-20T01:30:00Z' })).toBeNull();
    });

    it.each([
      ['occurred_at', { occurredAt: new Date('2016-11-22T01:30:00.000Z') }],
      ['complaint_id', { complaintId: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b' }],
      ['event_type', { eventType: 'complaint.withdrawn' }],
    ] as const)('verifyChain_stored %s differing from the text_namesTheEntry', (column, columns) => {
      expect(verifyChain(changed(2, columns))).toEqual({
        intact: false,
        entries: 3,
        brokenAtSeq: '3',
        problem: `stored ${column} does not match the entry's canonical text`,
      });
    });

    it('columnsProblem_textThatIsNotAnEnvelope_isAProblem', () => {
      expect(columnsProblem('not json', { complaintId: COMPLAINT, eventType: 'x', occurredAt: new Date() })).toMatch(/not a JSON event envelope/);
      expect(columnsProblem('null', { complaintId: COMPLAINT, eventType: 'x', occurredAt: new Date() })).toMatch(/not a JSON event envelope/);
    });
  });
});
