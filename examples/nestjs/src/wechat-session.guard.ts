// wechat-session.guard.ts (Express platform)
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from "@nestjs/common";
import type { Request } from "express";
import type { Login } from "wechat-login";
import { getSession } from "wechat-login/adapters/express";
import { WECHAT_LOGIN } from "./login";

@Injectable()
export class WeChatSessionGuard implements CanActivate {
  constructor(@Inject(WECHAT_LOGIN) private readonly login: Login) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const session = await getSession(this.login, request);
    if (!session) throw new UnauthorizedException("not_logged_in");
    request.wechatSession = session;
    return true;
  }
}
