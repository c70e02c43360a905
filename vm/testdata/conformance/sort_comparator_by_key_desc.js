const px = [{ p: 101.5, q: 3 }, { p: 99.25, q: 1 }, { p: 100, q: 2 }];
px.sort((a, b) => b.p - a.p);
for (const l of px) console.log(l.p, l.q);
