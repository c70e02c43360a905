function isPal(s) {
  let j = s.length - 1;
  for (let i = 0; i < j; i++) {
    if (s[i] !== s[j]) return false;
    j--;
  }
  return true;
}
console.log(isPal("racecar"), isPal("abba"), isPal("abc"), isPal(""));
