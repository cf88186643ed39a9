/**
 * The front-proxy configurations `wechat-login proxy --print-nginx`,
 * `--print-traefik` and `--print-caddy` print, and the tests run (gateway
 * spec §5.2–§5.4). One home: the docs show these outputs, never a copy.
 */
export interface FrontProxySettings {
  /** Where the gateway listens, as the front proxy reaches it: `127.0.0.1:4180`. */
  gateway: string;
  /** The protected backend: `127.0.0.1:8080`. */
  upstream: string;
  /** The gateway's prefix, `/_wl`. */
  prefix: string;
  /** The public host name (`app.example.com`), for Caddy's site block and Traefik's router. */
  host: string;
  /** The session cookie's name, for Traefik's `addAuthCookiesToResponse`. */
  sessionCookie: string;
}

/** The `server { … }` body for nginx (needs `--with-http_auth_request_module`, in Debian's builds). */
export function nginxConfig(s: FrontProxySettings): string {
  const p = s.prefix;
  return `# wechat-login proxy: nginx auth_request (put inside your server { } block)
location = ${p}/auth {
    internal;
    proxy_pass http://${s.gateway}${p}/auth;
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Forwarded-Method $request_method;
    proxy_set_header X-Forwarded-Proto  $scheme;
    proxy_set_header X-Forwarded-Host   $host;
    proxy_set_header X-Forwarded-Uri    $request_uri;
    proxy_set_header X-Real-IP          $remote_addr;
    proxy_set_header X-Forwarded-For    $remote_addr;
}
location ${p}/ {
    proxy_pass http://${s.gateway};
    proxy_set_header Host              $http_host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-For   $remote_addr;
}
location / {
    auth_request ${p}/auth;
    auth_request_set $wl_user     $upstream_http_x_auth_request_user;
    auth_request_set $wl_email    $upstream_http_x_auth_request_email;
    auth_request_set $wl_groups   $upstream_http_x_auth_request_groups;
    auth_request_set $wl_name     $upstream_http_x_auth_request_preferred_username;
    auth_request_set $wl_unionid  $upstream_http_x_wechat_unionid;
    auth_request_set $wl_openid   $upstream_http_x_wechat_openid;
    auth_request_set $wl_appid    $upstream_http_x_wechat_appid;
    auth_request_set $wl_location $upstream_http_location;
    # Each line overwrites the client's copy; an empty value removes the header.
    proxy_set_header X-Auth-Request-User               $wl_user;
    proxy_set_header X-Auth-Request-Email              $wl_email;
    proxy_set_header X-Auth-Request-Groups             $wl_groups;
    proxy_set_header X-Auth-Request-Preferred-Username $wl_name;
    proxy_set_header X-WeChat-UnionID                  $wl_unionid;
    proxy_set_header X-WeChat-OpenID                   $wl_openid;
    proxy_set_header X-WeChat-AppID                    $wl_appid;
    proxy_set_header X-Forwarded-User                  "";
    proxy_set_header X-Forwarded-Email                 "";
    proxy_set_header X-Forwarded-Groups                "";
    proxy_set_header Host                              $http_host;
    # Websockets tunnel once the upgrade request is allowed.
    proxy_http_version 1.1;
    proxy_set_header Upgrade    $http_upgrade;
    proxy_set_header Connection $http_connection;
    # Only the gateway's answers: the app's own 401 and 403 pass untouched (proxy_intercept_errors is off).
    error_page 401 = @wl_login;
    error_page 403 = @wl_denied;
    proxy_pass http://${s.upstream};
}
location @wl_login {
    default_type application/json;
    add_header Cache-Control no-store always;
    if ($wl_location = "") { return 401 '{"error":"login_required"}'; }
    return 302 $wl_location;
}
location @wl_denied {
    # The "not allowed" page, with the user's ID to send to an admin.
    rewrite ^ ${p}/denied break;
    proxy_pass http://${s.gateway};
    proxy_set_header Host              $http_host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-For   $remote_addr;
}
`;
}

/** Traefik v3 dynamic configuration (file provider, YAML). */
export function traefikConfig(s: FrontProxySettings): string {
  return `# wechat-login proxy: Traefik forwardAuth (dynamic configuration)
http:
  middlewares:
    wechat-login:
      forwardAuth:
        address: "http://${s.gateway}${s.prefix}/forward-auth"
        authResponseHeaders:
          - X-Auth-Request-User
          - X-Auth-Request-Email
          - X-Auth-Request-Groups
          - X-Auth-Request-Preferred-Username
          - X-WeChat-UnionID
          - X-WeChat-OpenID
          - X-WeChat-AppID
        addAuthCookiesToResponse:
          - ${s.sessionCookie}
  routers:
    wechat-login:
      rule: "Host(\`${s.host}\`) && PathPrefix(\`${s.prefix}/\`)"
      service: wechat-login
    app:
      rule: "Host(\`${s.host}\`)"
      middlewares: [wechat-login]
      service: app
  services:
    wechat-login:
      loadBalancer:
        servers: [{ url: "http://${s.gateway}" }]
    app:
      loadBalancer:
        servers: [{ url: "http://${s.upstream}" }]
`;
}

/** A Caddyfile site block. */
export function caddyConfig(s: FrontProxySettings): string {
  return `# wechat-login proxy: Caddy forward_auth
${s.host} {
	handle ${s.prefix}/* {
		reverse_proxy ${s.gateway}
	}
	handle {
		# route keeps this order (Caddy would otherwise run forward_auth before request_header).
		route {
			# Older Caddy releases copy headers without deleting the client's first: remove them here too.
			request_header -X-Auth-Request-*
			request_header -X-WeChat-*
			request_header -X-Forwarded-User
			request_header -X-Forwarded-Email
			request_header -X-Forwarded-Groups
			forward_auth ${s.gateway} {
				uri ${s.prefix}/forward-auth
				copy_headers X-Auth-Request-User X-Auth-Request-Email X-Auth-Request-Groups X-Auth-Request-Preferred-Username X-WeChat-UnionID X-WeChat-OpenID X-WeChat-AppID
			}
			reverse_proxy ${s.upstream}
		}
	}
}
`;
}
