// @authpipe/react: install and connect buttons for Authpipe's popup flow, with a redirect
// fallback. Safe to import where there is no DOM (server rendering, Node): nothing here touches
// `window` until a button is clicked or a hook's effect runs.
export { AuthpipeProvider, type AuthpipeProviderProps, type AuthpipeConfig } from './context';
export {
  InstallButton,
  ConnectButton,
  type InstallButtonProps,
  type ConnectButtonProps,
  type AuthpipeInstallation,
  type AuthpipeConnection,
} from './buttons';
export {
  useAuthpipeConnect,
  type UseAuthpipeConnectOptions,
  type AuthpipeConnect,
  type ConnectStatus,
} from './use-authpipe-connect';
export {
  startConnectFlow,
  type ConnectFlow,
  type ConnectFlowOptions,
  type FlowPhase,
  type FlowSuccess,
} from './connect-flow';
export {
  AuthpipeConnectError,
  type AuthpipeErrorCode,
  type AuthpipeClientErrorCode,
  type FlowErrorInfo,
} from './errors';
export { defaultLabels, type AuthpipeLabels } from './labels';
export type { CredentialFor, FlowMode, GetSessionToken, SessionAnswer, SessionRequest } from './session';
