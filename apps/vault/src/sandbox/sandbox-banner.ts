import type { RunningSandbox } from './sandbox';

/**
 * What `npm start` prints about the sandbox, on stderr beside the log (stdout carries only log
 * records, and log lines never carry secrets). The demo secret key is shown only when it was just created; afterwards the
 * banner points at sandbox.json, which holds it (mode 0600).
 */
export function sandboxBanner(sandbox: RunningSandbox, sandboxFile: string): string {
  const { file } = sandbox;
  return [
    '',
    'Authpipe sandbox (Microsoft emulator, demo directory; not for production)',
    `  API docs:        ${file.baseUrl}/docs`,
    `  Health:          ${file.baseUrl}/readyz`,
    `  Emulator:        ${file.emulatorUrl}`,
    `  React example:   ${file.baseUrl}/sandbox/example`,
    `  Demo project:    ${file.projectId}`,
    sandbox.created
      ? `  Secret key:      ${file.secretKey}   (shown once; also in ${sandboxFile})`
      : `  Secret key:      in ${sandboxFile}`,
    '',
    '  Try a user flow: create a connect session, then open its url in a browser',
    `    curl -s -X POST ${file.baseUrl}/v1/connect-sessions -H "authorization: Bearer $(node -p "require('${sandboxFile}').secretKey")" \\`,
    `      -H 'content-type: application/json' -d '{"tenantId":"org_acme","userId":"user_123","credentialFor":"user","provider":"microsoft-onedrive"}'`,
    '',
  ].join('\n');
}
