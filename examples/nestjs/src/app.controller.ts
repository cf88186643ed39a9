// app.controller.ts
import { Controller, Get, Req, UseGuards } from "@nestjs/common";
import type { Request } from "express";
import { WeChatSessionGuard } from "./wechat-session.guard";

@Controller()
export class AppController {
  @Get("me")
  @UseGuards(WeChatSessionGuard)
  me(@Req() request: Request) {
    return request.wechatSession?.user;
  }
}
