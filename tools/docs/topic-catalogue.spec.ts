import fs from 'node:fs';
import path from 'node:path';
import { allEventDefinitions, TOPIC_CATALOGUE, TOPICS } from '@complaints/contracts';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { compensationService } from '../../apps/compensation/src/main';
import { intakeService } from '../../apps/intake/src/main';
import { investigationService } from '../../apps/investigation/src/main';
import { notificationService } from '../../apps/notification/src/main';
import { triageService } from '../../apps/triage/src/main';

const services = [intakeService, triageService, investigationService, compensationService, notificationService, complianceArchiveService];

describe('topic catalogue', () => {
  it('docs/architecture.md shows exactly the catalogue in the code', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/architecture.md'), 'utf8');
    const table = doc.split('<!-- topic-catalogue:start -->')[1].split('<!-- topic-catalogue:end -->')[0];
    const rows = table
      .trim()
      .split('\n')
      .slice(2)
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/`/g, '')));
    expect(rows).toEqual(
      TOPIC_CATALOGUE.map((t) => [t.topic, t.owner, t.key, t.events.join(', '), t.consumers.join(', ')]),
    );
  });

  it('lists as consumers exactly the services that subscribe to each topic', () => {
    for (const entry of TOPIC_CATALOGUE) {
      const subscribers = services.filter((s) => (s.consumes as string[]).includes(entry.topic)).map((s) => s.name);
      expect({ topic: entry.topic, consumers: [...entry.consumers].sort() }).toEqual({ topic: entry.topic, consumers: subscribers.sort() });
    }
  });

  it('gives every event definition to the topic of its owner, and every topic an entry', () => {
    expect(TOPIC_CATALOGUE.map((t) => t.topic).sort()).toEqual(Object.values(TOPICS).sort());
    for (const definition of allEventDefinitions()) {
      const entry = TOPIC_CATALOGUE.find((t) => t.events.includes(definition.pattern));
      expect({ event: definition.pattern, topic: entry?.topic }).toEqual({ event: definition.pattern, topic: definition.topic });
    }
  });
});
