// lib/auth.ts: Auth.js (NextAuth v5) beside the WeChat login. The WeChat part runs in our flow (/auth/*);
// the provider turns the login it completed into an Auth.js session, taking the flow's session as a one-time ticket.
import NextAuth from "next-auth";
import { WeChat } from "wechat-login/authjs";
import { login } from "./login";

export const { handlers, auth, signIn, signOut } = NextAuth({
  providers: [WeChat({ login })],
  secret: process.env.AUTH_SECRET,
  // `next start` behind no platform that vouches for the Host header: Auth.js asks for this (or AUTH_TRUST_HOST).
  trustHost: true,
  callbacks: {
    // Auth.js's session carries name, e-mail and image only: add our user id (the token's `sub`).
    session: ({ session, token }) => ({ ...session, user: { ...session.user, id: token.sub ?? "" } }),
  },
});
