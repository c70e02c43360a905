function mk(n) { const fs = []; for (let i = 0; i < n; i++) fs.push(() => i * n); return fs; }
const fs = mk(3);
console.log(fs[0](), fs[1](), fs[2]());
