const specials = ["\x00", "\x01", "\b", "\t", "\n", "\x0b", "\f", "\r", "\x1b", "\x1f", "\x7f", "\x80", "\x9f", "\xa0", "'", "\\"];
for (const c of specials) {
  console.log([c, "a" + c + "b"], { k: c });
}
console.log(["it's \"quoted\" `tick`"], ["it's \"q\" ${x}"]);
console.log({ "key with space": 1, "a-b": 2, _ok: 3, $d: 4, "1a": 5, "": 6 });
