// app/page.tsx: a server component reads the session from the request's cookies.
import { cookies } from "next/headers";
import { getSession } from "wechat-login/adapters/next";
import { login } from "../lib/login";

export default async function Home() {
  const session = await getSession(login, (await cookies()).toString());
  if (!session) return <a href="/auth/login?returnTo=/">Log in with WeChat</a>;
  return (
    <>
      Hello {session.user.nickname}
      <form method="post" action="/auth/logout">
        <button type="submit">Log out</button>
      </form>
    </>
  );
}
