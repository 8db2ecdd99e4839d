import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { ACCESS_METADATA, AccessDeclaration } from './access';

export interface RouteDeclaration {
  method: string;
  /** Express-style path, e.g. `/v1/cases/:caseId`. */
  path: string;
  controller: string;
  handler: string;
  access: AccessDeclaration | undefined;
}

const joinPath = (...parts: string[]) =>
  '/' + parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');

/** Every HTTP route of the application's controllers with what it declares about its callers. */
export function describeRoutes(app: INestApplication): RouteDeclaration[] {
  const routes: RouteDeclaration[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
      if (!type?.prototype) continue;
      const base = (Reflect.getMetadata(PATH_METADATA, type) as string | undefined) ?? '';
      const classAccess = Reflect.getMetadata(ACCESS_METADATA, type) as AccessDeclaration | undefined;
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        if (name === 'constructor') continue;
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        for (const p of Array.isArray(path) ? path : [path]) {
          routes.push({
            method: RequestMethod[method],
            path: joinPath(base, p),
            controller: type.name,
            handler: name,
            access: (Reflect.getMetadata(ACCESS_METADATA, handler) as AccessDeclaration | undefined) ?? classAccess,
          });
        }
      }
    }
  }
  return routes;
}

/** The routes Express actually serves (the ground truth the declarations are checked against). */
export function servedRoutes(app: INestApplication): { method: string; path: string }[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  const stack = (express.router ?? express._router)?.stack ?? [];
  return stack
    .filter((layer) => layer.route)
    .flatMap((layer) => Object.keys(layer.route!.methods).map((m) => ({ method: m.toUpperCase(), path: layer.route!.path })));
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}
