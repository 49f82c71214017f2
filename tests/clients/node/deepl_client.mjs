// DeepL's deepl-node client, unchanged, against a ringkas: argv URL KEY. Each call's outcome
// goes into one JSON object on stdout (a failure is recorded as its message).
import * as deepl from "deepl-node";

const [url, key] = process.argv.slice(2);
const client = new deepl.DeepLClient(key, { serverUrl: url, maxRetries: 0 });
const out = {};
async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (err) {
    out[name] = { error: `${err.constructor.name}: ${err.message}` };
  }
}
await step("translate", async () => {
  const r = await client.translateText("Desa itu kecil.", "id", "en-US");
  return { text: r.text, detected: r.detectedSourceLang, billed: r.billedCharacters };
});
await step("usage", async () => {
  const u = await client.getUsage();
  return { count: u.character?.count, limit: u.character?.limit, text: u.toString() };
});
await step("sources", async () => (await client.getSourceLanguages()).map((l) => l.code));
await step("glossary", async () => {
  const g = await client.createGlossary("desk", "id", "en", new deepl.GlossaryEntries({
    entries: { Presiden: "President" } }));
  const listed = (await client.listGlossaries()).map((x) => x.glossaryId);
  const entries = (await client.getGlossaryEntries(g)).entries();
  await client.deleteGlossary(g);
  return { listed: listed.includes(g.glossaryId), entries };
});
await step("v3", async () => {
  const g = await client.createMultilingualGlossary("both", [
    { sourceLangCode: "id", targetLangCode: "en",
      entries: new deepl.GlossaryEntries({ entries: { Presiden: "President" } }) },
    { sourceLangCode: "en", targetLangCode: "id",
      entries: new deepl.GlossaryEntries({ entries: { President: "Presiden" } }) }]);
  await client.updateMultilingualGlossaryDictionary(g, { sourceLangCode: "id",
    targetLangCode: "en", entries: new deepl.GlossaryEntries({ entries: { Desa: "Village" } }) });
  const listed = (await client.listMultilingualGlossaries()).map((x) => x.glossaryId);
  const idEn = await client.getMultilingualGlossaryDictionaryEntries(g, "id", "en");
  const back = await client.translateText("The President.", "en", "id", { glossary: g });
  await client.deleteMultilingualGlossary(g);
  return { listed: listed.includes(g.glossaryId), pairs: g.dictionaries.length,
           entries: idEn.entries.entries(), back: typeof back.text };
});
await step("rephrase", async () => (await client.rephraseText("Desa itu kecil.")).text);
console.log(JSON.stringify(out));
