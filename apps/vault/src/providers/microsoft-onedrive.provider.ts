import { CLOUD_NAMES } from '@authpipe/microsoft';
import type { ProviderDefinition, ScopeDefinition } from './provider.types';

// Descriptions paraphrase the Microsoft Graph permissions reference
// (https://learn.microsoft.com/en-us/graph/permissions-reference) for developers choosing scopes.
const delegated = (name: string, description: string, adminConsentRequired = false): ScopeDefinition => ({
  name,
  kind: 'delegated',
  description,
  adminConsentRequired,
});

const application = (name: string, description: string): ScopeDefinition => ({
  name,
  kind: 'application',
  description,
  adminConsentRequired: true,
});

/** The `microsoft-onedrive` provider: OneDrive and SharePoint over Microsoft Graph. */
export const MICROSOFT_ONEDRIVE: ProviderDefinition = {
  id: 'microsoft-onedrive',
  name: 'Microsoft OneDrive and SharePoint',
  description:
    'Files in OneDrive (work, school and personal) and SharePoint document libraries through Microsoft Graph, for users and for whole organisations.',
  clouds: [...CLOUD_NAMES, 'custom'],
  userScopes: [
    delegated(
      'offline_access',
      'Keep access when the user is not signed in: issues the refresh token Authpipe renews.',
    ),
    delegated('openid', 'Sign the user in and identify them with an ID token.'),
    delegated('profile', "Read the user's basic profile (name, username) in the ID token."),
    delegated('email', "Read the user's primary email address in the ID token."),
    delegated('User.Read', 'Sign the user in and read their profile; needed to identify the connected account.'),
    delegated('Files.Read', 'Read the files the signed-in user can access in their own OneDrive.'),
    delegated(
      'Files.Read.All',
      'Read every file the signed-in user can access, including files shared with them and SharePoint.',
    ),
    delegated('Files.ReadWrite', "Read, create, change and delete files in the signed-in user's own OneDrive."),
    delegated(
      'Files.ReadWrite.All',
      'Read, create, change and delete every file the signed-in user can access, including shared files and SharePoint.',
    ),
    delegated('Sites.Read.All', 'Read items in every SharePoint site the signed-in user can access.'),
    delegated(
      'Sites.ReadWrite.All',
      'Read, create, change and delete items in every SharePoint site the signed-in user can access.',
    ),
  ],
  installationScopes: [
    application(
      'Files.Read.All',
      'Read every file in every OneDrive and SharePoint site of the organisation, without a signed-in user.',
    ),
    application(
      'Files.ReadWrite.All',
      'Read, create, change and delete every file in every OneDrive and SharePoint site of the organisation, without a signed-in user.',
    ),
    application('Sites.Read.All', 'Read items in every SharePoint site of the organisation, without a signed-in user.'),
    application(
      'Sites.ReadWrite.All',
      'Read, create, change and delete items in every SharePoint site of the organisation, without a signed-in user.',
    ),
    application('Sites.Selected', 'Access only the SharePoint sites an administrator grants to the app one by one.'),
    application('User.Read.All', "Read every user's profile; needed to find a user's OneDrive by sign-in name."),
  ],
  requiredUserScopes: ['offline_access', 'User.Read'],
  defaultUserScopes: ['offline_access', 'openid', 'profile', 'User.Read', 'Files.ReadWrite.All'],
  defaultInstallationScopes: ['Files.ReadWrite.All', 'Sites.ReadWrite.All'],
  userAuthorities: ['common', 'organizations', 'consumers'],
};
