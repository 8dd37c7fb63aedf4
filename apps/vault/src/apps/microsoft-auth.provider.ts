import { Logger, type Provider } from '@nestjs/common';
import { HttpClient, MicrosoftAuth, MsalClientFactory } from '@authpipe/microsoft';
import { CLOCK, type Clock } from '../common/clock';

/**
 * Injection token of the vault's {@link MicrosoftAuth} (msal-node flows). Tests and the sandbox
 * provide one whose HttpClient trusts the emulator's CA or routes Microsoft hosts to it.
 */
export const MICROSOFT_AUTH = Symbol('MICROSOFT_AUTH');

/** The production MicrosoftAuth: Node's trusted roots, the real Microsoft endpoints. */
export const microsoftAuthProvider: Provider = {
  provide: MICROSOFT_AUTH,
  inject: [CLOCK],
  useFactory: (clock: Clock) => {
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
  },
};
