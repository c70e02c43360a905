const book = [{ px: 100, qty: 5 }, { px: 101, qty: 3 }];
for (const lvl of book) lvl.qty *= 2;
console.log(book);
