let s = "a";
s += "b";
s += 1;
s += true;
console.log(s);
