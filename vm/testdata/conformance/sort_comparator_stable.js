const items = [
  { k: 2, id: 1 }, { k: 1, id: 2 }, { k: 2, id: 3 },
  { k: 1, id: 4 }, { k: 0, id: 5 }, { k: 2, id: 6 },
  { k: 1, id: 7 }, { k: 0, id: 8 },
];
items.sort((a, b) => a.k - b.k);
let out = "";
for (const it of items) out += `${it.k}:${it.id} `;
console.log(out);
