#!/usr/bin/env node
// Route one document through a Bastion agent and print what happened to each section.
//
//   node route.js --target 127.0.0.1:50051 --tenant acme-law --jurisdiction EU FILE
//        [--ca ca.crt [--cert dms.crt --key dms.key]] [--token T | $BASTION_TOKEN]
//        [--mode FUSION] [--protos DIR] [--timeout 120]
//
// The contract is loaded from the repository's protos/ at run time (the single source of
// truth for the wire), with @grpc/proto-loader; no generated code. Exit codes as the
// `bastion` CLI: 0 ok, 2 usage error or a gRPC error (one line on stderr).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

function fail(message) {
  process.stderr.write(`route.js: error: ${message}\n`);
  process.exit(2);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        target: { type: 'string', default: '127.0.0.1:50051' },
        tenant: { type: 'string' },
        jurisdiction: { type: 'string' },
        instruction: { type: 'string', default: 'Summarise the key points of these sections.' },
        mode: { type: 'string', default: 'FUSION' },
        protos: { type: 'string', default: path.resolve(__dirname, '..', '..', '..', 'protos') },
        ca: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        token: { type: 'string', default: process.env.BASTION_TOKEN },
        timeout: { type: 'string', default: '120' },
      },
    });
  } catch (err) {
    fail(err.message);
  }
  const { values, positionals } = parsed;
  if (!values.tenant || !values.jurisdiction || positionals.length !== 1) {
    fail('usage: route.js --tenant T --jurisdiction J [--target HOST:PORT] FILE');
  }
  return { ...values, document: positionals[0] };
}

function read(file, what) {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    fail(`cannot read ${what} ${file} (${err.code})`);
  }
}

function credentials(opts) {
  if (!opts.ca && !opts.cert) return grpc.credentials.createInsecure();
  if (Boolean(opts.cert) !== Boolean(opts.key)) fail('--cert and --key go together');
  return grpc.credentials.createSsl(
    opts.ca ? read(opts.ca, 'CA') : null,
    opts.key ? read(opts.key, 'key') : null,
    opts.cert ? read(opts.cert, 'certificate') : null,
  );
}

function main() {
  const opts = options();
  const definition = protoLoader.loadSync('bastion/wire/v1/agent.proto', {
    includeDirs: [opts.protos],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
  const { EdgeAgent } = grpc.loadPackageDefinition(definition).bastion.v1;
  const client = new EdgeAgent(opts.target, credentials(opts));
  const metadata = new grpc.Metadata();
  if (opts.token) metadata.set('authorization', `Bearer ${opts.token}`);
  const request = {
    document: {
      tenant: opts.tenant,
      document_id: path.basename(opts.document).replace(/\.[^.]*$/, ''),
      source_jurisdiction: opts.jurisdiction,
      text: read(opts.document, 'document'),
    },
    task: { instruction: opts.instruction, mode: opts.mode.toUpperCase() },
  };
  const deadline = new Date(Date.now() + Number(opts.timeout) * 1000);
  client.Route(request, metadata, { deadline }, (err, response) => {
    client.close();
    if (err) fail(`${grpc.status[err.code]}: ${err.details}`);
    console.log(`${request.document.document_id}: ${response.status}  policy ${response.policy_version}`);
    for (const s of response.sections) {
      const entities = Object.entries(s.entity_counts)
        .sort()
        .map(([type, n]) => `${type}:${n}`)
        .join(',') || '-';
      const where = s.destination ? ` -> ${s.destination.name}` : '';
      console.log(
        `  section ${s.index}  ${s.category}  ${s.action}  ${s.status}${where}  ` +
          `entities ${entities}  rules ${s.rule_ids.join(',')}`,
      );
    }
    console.log(`  audit entries: ${response.audit_entry_ids.length}`);
  });
}

main();
