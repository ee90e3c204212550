import { join } from 'node:path';
import { tollgateHome } from '@tollgate/core/store';
import { Command, InvalidArgumentError, Option } from 'commander';
import { port, positive } from '../parsers.ts';

/** Where `tollgate token serve` listens unless told otherwise, and so the `iss` that `mint` signs. */
const DEFAULT_PORT = 4500;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_ISSUER = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;
const DEFAULT_CLIENT = 'nightly';
const NOT_FOR_PRODUCTION = 'development issuer: not for production (no rotation, revocation or audit)';

/** `$TOLLGATE_HOME/issuer`: where the development issuer keeps its key and clients. */
function issuerDir(): string {
  return join(tollgateHome(process.env), 'issuer');
}

export function tokenCommand(): Command {
  const token = new Command('token').description(
    'a development OAuth issuer for HTTP servers: serve it, mint a token, print its keys (not for production)',
  );

  token
    .command('serve')
    .description('run the development authorization server (client credentials, ES256 JWTs) until stopped')
    .addOption(new Option('--port <port>', 'port to listen on').argParser(port).default(DEFAULT_PORT))
    .option('--host <host>', 'interface to bind', DEFAULT_HOST)
    .option(
      '--clients <file>',
      `clients file (default: $TOLLGATE_HOME/issuer/clients.json, made with a "${DEFAULT_CLIENT}" client if missing)`,
    )
    .option('--issuer <url>', 'the issuer URL clients use, when it is not http://<host>:<port>')
    .addOption(new Option('--ttl <seconds>', 'token lifetime').argParser(positive).default(3600))
    .addHelpText(
      'after',
      '\nThe signing key lives in $TOLLGATE_HOME/issuer/signing-key.json (mode 0600), made on first use.\n' +
        'A clients file: {"clients": [{"client_id": "...", "client_secret": "...", "resources": {"<url or *>": ["scope"]}}]}\n' +
        'Point a server at it with <SERVER>_AUTH_ISSUER=<issuer URL>, and the nightly job with\n' +
        'TOLLGATE_OAUTH_TOKEN_URL, TOLLGATE_OAUTH_CLIENT_ID and TOLLGATE_OAUTH_CLIENT_SECRET_FILE.',
    )
    .action(
      async (options: { port: number; host: string; clients?: string; issuer?: string; ttl: number }) => {
        const devIssuer = await import('@tollgate/dev-issuer');
        const dir = issuerDir();
        let clients: Awaited<ReturnType<typeof devIssuer.loadDevClients>>;
        let clientsFile: string;
        let secretHint = '';
        if (options.clients !== undefined) {
          clientsFile = options.clients;
          clients = await devIssuer.loadDevClients(options.clients);
        } else {
          const { allNightlyScopes } = await import('@tollgate/orchestrator');
          const made = await devIssuer.loadOrCreateDefaultClients(dir, {
            clientId: DEFAULT_CLIENT,
            scopes: allNightlyScopes(),
          });
          ({ clients, file: clientsFile } = made);
          if (made.created) {
            process.stderr.write(
              `Created ${made.file} with client "${DEFAULT_CLIENT}" (its secret is in the file, and alone in ${made.secretFile}).\n`,
            );
          }
          if (clients.some((client) => client.client_id === DEFAULT_CLIENT)) {
            secretHint = `TOLLGATE_OAUTH_CLIENT_ID=${DEFAULT_CLIENT} TOLLGATE_OAUTH_CLIENT_SECRET_FILE=${made.secretFile}`;
          }
        }
        const issuer = await devIssuer.startDevIssuer({
          port: options.port,
          host: options.host,
          dir,
          clients,
          tokenTtlSeconds: options.ttl,
          ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
          log: (line) => process.stderr.write(`${line}\n`),
        });
        process.stderr.write(
          [
            `Tollgate ${NOT_FOR_PRODUCTION}. Ctrl-C to stop.`,
            `  issuer    ${issuer.issuer}`,
            `  JWKS      ${issuer.jwksUri}`,
            `  token     ${issuer.tokenEndpoint}`,
            `  metadata  ${issuer.metadataUrl}`,
            `  clients   ${clientsFile} (${clients.map((client) => client.client_id).join(', ') || 'none'})`,
            `Servers:     <SERVER>_AUTH_ISSUER=${issuer.issuer} (keys found through the metadata)`,
            `Nightly job: TOLLGATE_OAUTH_TOKEN_URL=${issuer.tokenEndpoint}${secretHint ? ` ${secretHint}` : ''}`,
            '',
          ].join('\n'),
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await issuer.close();
      },
    );

  token
    .command('mint')
    .description('print one access token signed with the development key (for a static bearer setup)')
    .requiredOption('--audience <url>', "the server's URL, which becomes the token's aud (its *_PUBLIC_URL)")
    .requiredOption('--scope <scopes>', 'space-separated scopes, e.g. "accounts:read leads:read"')
    .addOption(new Option('--ttl <seconds>', 'token lifetime').argParser(positive).default(3600))
    .option('--subject <id>', 'sub and client_id of the token', 'dev')
    .option('--issuer <url>', 'the iss claim: the URL `tollgate token serve` answers on', DEFAULT_ISSUER)
    .addHelpText(
      'after',
      '\nThe token goes to stdout alone, e.g.\n' +
        '  claude mcp add --transport http crm http://127.0.0.1:3000/mcp \\\n' +
        '    --header "Authorization: Bearer $(tollgate token mint --audience http://127.0.0.1:3000/mcp --scope \'accounts:read\')"\n' +
        'Servers verify it against the key in $TOLLGATE_HOME/issuer (see tollgate token jwks).',
    )
    .action(
      async (options: { audience: string; scope: string; ttl: number; subject: string; issuer: string }) => {
        const devIssuer = await import('@tollgate/dev-issuer');
        const problem = devIssuer.resourceProblem(options.audience);
        if (problem !== undefined) {
          throw new InvalidArgumentError(
            `--audience ${options.audience} cannot be a token audience: ${problem}. Give the server's URL, e.g. http://127.0.0.1:3000/mcp`,
          );
        }
        const scopes = [...new Set(options.scope.split(/[\s,]+/).filter(Boolean))];
        if (scopes.length === 0) {
          throw new InvalidArgumentError(
            '--scope is empty: name the scopes the token grants, e.g. "accounts:read"',
          );
        }
        if (devIssuer.resourceProblem(options.issuer) !== undefined) {
          throw new InvalidArgumentError(`--issuer ${options.issuer} is not an http(s) URL`);
        }
        const key = await devIssuer.loadOrCreateSigningKey(issuerDir());
        const signed = await devIssuer.signWithKey(
          key,
          devIssuer.accessTokenClaims({
            issuer: options.issuer.replace(/\/+$/, ''),
            clientId: options.subject,
            audience: options.audience,
            scopes,
            ttlSeconds: options.ttl,
          }),
        );
        process.stdout.write(`${signed}\n`);
      },
    );

  token
    .command('jwks')
    .description(
      "print the development issuer's public keys (JWKS), for servers configured with keys instead of a URL",
    )
    .addHelpText('after', '\nSave it and point a server at the file: <SERVER>_AUTH_JWKS_FILE=<file>.')
    .action(async () => {
      const devIssuer = await import('@tollgate/dev-issuer');
      const key = await devIssuer.loadOrCreateSigningKey(issuerDir());
      process.stdout.write(`${JSON.stringify(devIssuer.publicJwks(key), null, 2)}\n`);
    });

  return token;
}
