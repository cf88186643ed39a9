// app.module.ts
import { Inject, Module, type OnApplicationShutdown } from "@nestjs/common";
import type { Login } from "wechat-login";
import { AppController } from "./app.controller";
import { loginProvider, WECHAT_LOGIN } from "./login";
import { WeChatSessionGuard } from "./wechat-session.guard";

@Module({
  controllers: [AppController],
  providers: [loginProvider, WeChatSessionGuard],
})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(WECHAT_LOGIN) private readonly login: Login) {}

  async onApplicationShutdown() {
    await this.login.close();
  }
}
