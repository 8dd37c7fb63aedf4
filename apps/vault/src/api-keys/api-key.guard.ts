import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service';
import { AUTHENTICATED, type AuthenticatedRequest } from './current-project.decorator';
import { presentedKeyOf } from './presented-key';

/** Guards /v1/* routes: a valid, unrevoked secret key of a project, or a 401 with a stable code. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly apiKeys: ApiKeysService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request[AUTHENTICATED] = await this.apiKeys.authenticate(
      request.headers.authorization,
      presentedKeyOf(request.raw),
    );
    return true;
  }
}
