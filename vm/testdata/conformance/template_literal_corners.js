// template literal corners
const a = 1, b = "two";
console.log(`${a}${b}${a + 1}`);
console.log(`\${not} \` backtick \\ ${"${}"}`);
console.log(`${`${`${a}`}`}`);
console.log(`line\nbreak\ttab`);
console.log(`unicode \u00e9 \u{1F600} \x41`);
console.log(`${a > 0 ? `pos ${a}` : `neg ${-a}`}!`);
console.log(`${[1, 2]}|${null}|${undefined}|${true}|${-0}|${1e21}`);
const tag = `k=${a}`;
console.log(tag.length, tag[2]);
console.log(``.length, `${""}`.length);
