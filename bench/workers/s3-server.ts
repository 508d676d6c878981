// A local S3 that, unlike moto, serves requests concurrently (s3rver: Node, asynchronous file
// I/O), run as its own process so that its CPU time can be read apart from the clients':
//   node --openssl-legacy-provider bench/out/bundle/s3-server.mjs DIRECTORY
// Prints one JSON line {"port": N} once it listens; exits when stdin closes.
// --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
// OpenSSL 3 (Node >= 17) only offers through its legacy provider.
import S3rver from "s3rver";

const directory = process.argv[2];
if (directory === undefined) throw new Error("usage: s3-server DIRECTORY");
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void server.close().then(() => process.exit(0));
});
