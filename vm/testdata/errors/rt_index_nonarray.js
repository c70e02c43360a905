const n = 5;
console.log(n[0]);
// RUNTIME "cannot index number" at 2:14
// STACK <main>
