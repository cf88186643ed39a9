/**
 * `wechat-login/nestjs`: the login in a Nest app (Express platform, spec C.4).
 * `WeChatLoginModule.forRootAsync({ useFactory })` provides the `Login` under
 * {@link WECHAT_LOGIN}, serves its routes (`{prefix}/login`, `/callback`,
 * `/session`, `/logout`, `/qr`) before Nest's router, and closes it on
 * shutdown; {@link WeChatAuthGuard} lets only logged-in requests through and
 * {@link WeChatUser} hands the user to a handler. Decorators are applied as
 * calls, so this file needs no decorator compiler settings of its own.
 */
import {
  type CanActivate,
  createParamDecorator,
  type DynamicModule,
  type ExecutionContext,
  Inject,
  Injectable,
  type InjectionToken,
  type MiddlewareConsumer,
  Module,
  type ModuleMetadata,
  type NestMiddleware,
  type NestModule,
  type OnApplicationShutdown,
  type OptionalFactoryDependency,
  UnauthorizedException,
} from "@nestjs/common";
import type {
  Request as ExpressRequest,
  Response as ExpressResponse,
  NextFunction,
  RequestHandler,
} from "express";
import { getSession, loginRoutes } from "../adapters/express.js";
import type { Login, LoginSession } from "../flow/index.js";

/** The injection token of the `Login`: `@Inject(WECHAT_LOGIN) private readonly login: Login`. */
export const WECHAT_LOGIN = "WECHAT_LOGIN";

/** Options of {@link WeChatLoginModule.forRootAsync}, as Nest's other `forRootAsync` take them. */
export interface WeChatLoginModuleAsyncOptions {
  /** Makes the `Login` (`createLogin({...})`), e.g. from a `ConfigService` named in `inject`. */
  useFactory: (...dependencies: never[]) => Login | Promise<Login>;
  /** Providers handed to `useFactory`, in order. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Modules those providers come from. */
  imports?: ModuleMetadata["imports"];
}

/** Serves the login routes; every other request goes on to Nest. */
class WeChatLoginMiddleware implements NestMiddleware {
  private readonly routes: RequestHandler;

  constructor(login: Login) {
    this.routes = loginRoutes(login);
  }

  use(req: ExpressRequest, res: ExpressResponse, next: NextFunction): void {
    void this.routes(req, res, next);
  }
}
Injectable()(WeChatLoginMiddleware);
Inject(WECHAT_LOGIN)(WeChatLoginMiddleware, undefined, 0);

/**
 * Lets only requests with a login session through, with the session on
 * `req.wechatSession` (read it with {@link WeChatUser} / {@link WeChatSession});
 * without one, 401 `{"error":"not_logged_in"}`, as `GET {prefix}/session` answers.
 * @example
 * import { UseGuards } from "@nestjs/common";
 * // On a route: \@UseGuards(WeChatAuthGuard), then me(\@WeChatUser() user: LoginSession["user"]).
 * const guarded: MethodDecorator & ClassDecorator = UseGuards(WeChatAuthGuard);
 */
export class WeChatAuthGuard implements CanActivate {
  constructor(private readonly login: Login) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ExpressRequest>();
    const session = await getSession(this.login, request);
    if (!session) throw new UnauthorizedException({ error: "not_logged_in" });
    request.wechatSession = session;
    return true;
  }
}
Injectable()(WeChatAuthGuard);
Inject(WECHAT_LOGIN)(WeChatAuthGuard, undefined, 0);

function sessionOf(context: ExecutionContext): LoginSession | undefined {
  return context.switchToHttp().getRequest<ExpressRequest>().wechatSession;
}

/** The logged-in user (`{ id, nickname, headimgurl, unionid }`) of a route behind {@link WeChatAuthGuard}. */
export const WeChatUser: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => sessionOf(context)?.user,
);

/** The whole login session (user, WeChat identity, expiry) of a route behind {@link WeChatAuthGuard}. */
export const WeChatSession: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => sessionOf(context),
);

/**
 * The login as a Nest module, global: import it once in the root module.
 * @example
 * // In the root module: \@Module({ imports, controllers: [AppController] })
 * const imports = [WeChatLoginModule.forRootAsync({ useFactory: createAppLogin })];
 */
export class WeChatLoginModule implements NestModule, OnApplicationShutdown {
  constructor(private readonly login: Login) {}

  /** Makes the `Login` with a (possibly async) factory: CommonJS Nest apps have no top-level `await`. */
  static forRootAsync(options: WeChatLoginModuleAsyncOptions): DynamicModule {
    return {
      module: WeChatLoginModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: WECHAT_LOGIN, useFactory: options.useFactory, inject: options.inject ?? [] },
        WeChatAuthGuard,
      ],
      exports: [WECHAT_LOGIN, WeChatAuthGuard],
    };
  }

  /** The login routes before Nest's router, for every path (the middleware passes on what is not theirs). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WeChatLoginMiddleware).forRoutes("{*path}");
  }

  /** Closes the login's WeChat connection pools (the store is the app's: close it in your own hook). */
  async onApplicationShutdown(): Promise<void> {
    await this.login.close();
  }
}
Module({})(WeChatLoginModule);
Inject(WECHAT_LOGIN)(WeChatLoginModule, undefined, 0);
