const n = 60;
const sieve = new Array(n + 1).fill(true);
sieve[0] = false;
sieve[1] = false;
for (let i = 2; i * i <= n; i++) {
  if (!sieve[i]) continue;
  for (let j = i * i; j <= n; j += i) sieve[j] = false;
}
let out = "";
for (let i = 0; i <= n; i++) if (sieve[i]) out += i + " ";
console.log(out);
