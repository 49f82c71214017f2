// The npm `libretranslate` client, unchanged, against a ringkas: argv URL [KEY].
// Prints {"translated": ...} or {"error": ...} as JSON on stdout.
import { translate } from "libretranslate";

const [url, key] = process.argv.slice(2);
try {
  const translated = await translate({ query: "Desa itu kecil.", source: "id", target: "en",
                                       apiurl: url, apiKey: key });
  console.log(JSON.stringify({ translated }));
} catch (err) {
  console.log(JSON.stringify({ error: String(err) }));
}
