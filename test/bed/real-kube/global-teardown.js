export default async function globalTeardown() {
  await globalThis.__realKube?.stop();
}
