import fs from 'node:fs';
import path from 'node:path';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { allEventDefinitions, TOPIC_CATALOGUE, TOPICS } from '@complaints/contracts';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { compensationService } from '../../apps/compensation/src/main';
import { intakeService } from '../../apps/intake/src/main';
import { investigationService } from '../../apps/investigation/src/main';
import { notificationService } from '../../apps/notification/src/main';
import { triageService } from '../../apps/triage/src/main';

const services = [intakeService, triageService, investigationService, compensationService, notificationService, complianceArchiveService];

type Constructor = abstract new (...args: never[]) => unknown;

/** The controllers of a Nest module and of the modules it imports. */
const controllersOf = (module: Constructor, seen = new Set<unknown>()): Constructor[] => {
  if (seen.has(module)) return [];
  seen.add(module);
  const imported = ((Reflect.getMetadata('imports', module) ?? []) as unknown[]).flatMap((m) =>
    typeof m === 'function' ? [m as Constructor] : m && typeof m === 'object' && 'module' in m ? [(m as { module: Constructor }).module] : [],
  );
  return [...((Reflect.getMetadata('controllers', module) ?? []) as Constructor[]), ...imported.flatMap((m) => controllersOf(m, seen))];
};

/** Every `type@vN` some handler of the service subscribes to (`@EventPattern`). */
const handledPatterns = (module: Constructor): string[] =>
  controllersOf(module).flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype).flatMap((name) => {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      return typeof handler === 'function' ? ((Reflect.getMetadata(PATTERN_METADATA, handler) ?? []) as string[]) : [];
    }),
  );

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

  it('has every handler read every version of its event the catalogue defines: a producer moving to a new version is not skipped by a consumer that knows only the old one', () => {
    for (const service of services) {
      const handled = new Set(handledPatterns(service.module as Constructor));
      const types = new Set(allEventDefinitions().filter((d) => handled.has(d.pattern)).map((d) => d.type));
      const unread = allEventDefinitions().filter((d) => types.has(d.type) && !handled.has(d.pattern)).map((d) => d.pattern);
      expect({ service: service.name, unread }).toEqual({ service: service.name, unread: [] });
    }
    // The check reads real subscriptions: notification reads both versions of the response.
    expect(handledPatterns(notificationService.module as Constructor)).toEqual(expect.arrayContaining(['case.response-issued@v1', 'case.response-issued@v2']));
  });

  it('gives every event definition to the topic of its owner, and every topic an entry', () => {
    expect(TOPIC_CATALOGUE.map((t) => t.topic).sort()).toEqual(Object.values(TOPICS).sort());
    for (const definition of allEventDefinitions()) {
      const entry = TOPIC_CATALOGUE.find((t) => t.events.includes(definition.pattern));
      expect({ event: definition.pattern, topic: entry?.topic }).toEqual({ event: definition.pattern, topic: definition.topic });
    }
  });
});
