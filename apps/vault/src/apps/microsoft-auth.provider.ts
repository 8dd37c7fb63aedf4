import { Logger, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HttpClient, MicrosoftAuth, MsalClientFactory } from '@authpipe/microsoft';
import { CLOCK, type Clock } from '../common/clock';
import { MicrosoftGateway } from '../oauth/microsoft-gateway';

/** Where the apps feature gets its msal-node flows; `auth` is read per call, so reconfiguration applies. */
export interface MicrosoftAuthSource {
  readonly auth: MicrosoftAuth;
}

/**
 * Injection token of the {@link MicrosoftAuthSource} of `POST /v1/apps/:id/check`. Tests provide
 * one whose HttpClient trusts the emulator's CA.
 */
export const MICROSOFT_AUTH = Symbol('MICROSOFT_AUTH');

function ownAuth(clock: Clock): MicrosoftAuth {
  const logger = new Logger('msal');
  return new MicrosoftAuth(
    new MsalClientFactory({
      http: new HttpClient(),
      now: () => new Date(clock()),
      // The factory already drops msal's PII lines and redacts descriptions.
      logger: (level, message) => {
        if (level === 'error') logger.error(message);
        else if (level === 'warn') logger.warn(message);
      },
    }),
  );
}

/**
 * The check must reach Microsoft exactly as the flows do (the sandbox and egress proxies
 * reconfigure the flows' {@link MicrosoftGateway} at start: extra CAs, `routes`). The gateway
 * lives in the OAuth module, which imports this one, so it is looked up in the application at
 * call time rather than injected; without it (an application without the flows), Node's roots
 * and the real Microsoft hosts are used.
 */
export const microsoftAuthProvider: Provider = {
  provide: MICROSOFT_AUTH,
  inject: [ModuleRef, CLOCK],
  useFactory: (moduleRef: ModuleRef, clock: Clock): MicrosoftAuthSource => {
    let fallback: MicrosoftAuth | null = null;
    return {
      get auth(): MicrosoftAuth {
        const gateway = findGateway(moduleRef);
        if (gateway) return gateway.auth;
        fallback ??= ownAuth(clock);
        return fallback;
      },
    };
  },
};

function findGateway(moduleRef: ModuleRef): MicrosoftGateway | null {
  try {
    return moduleRef.get(MicrosoftGateway, { strict: false });
  } catch {
    return null;
  }
}
