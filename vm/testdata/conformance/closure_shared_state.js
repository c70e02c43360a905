function makeAccount(start) {
  let balance = start;
  const deposit = (x) => { balance += x; return balance; };
  const withdraw = (x) => { balance -= x; return balance; };
  const get = () => balance;
  return { deposit: deposit, withdraw: withdraw, get: get };
}
const acc = makeAccount(100);
acc.deposit(50);
acc.withdraw(30);
console.log(acc.get());
