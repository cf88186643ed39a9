// main.ts
import { NestFactory } from "@nestjs/core";
import type { NestExpressApplication } from "@nestjs/platform-express";
import type { Login } from "wechat-login";
import { loginRouter } from "wechat-login/adapters/express";
import { AppModule } from "./app.module";
import { WECHAT_LOGIN } from "./login";

async function bootstrap() {
  const app = await NestFactory.create<NestExpressApplication>(AppModule);
  app.use(loginRouter(app.get<Login>(WECHAT_LOGIN))); // /auth/* answered before Nest's router
  app.enableShutdownHooks(); // so AppModule closes the login on SIGTERM
  await app.listen(process.env.PORT ?? 3000);
}
bootstrap();
