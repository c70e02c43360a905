const inbox = [];
const outbox = [];
function enqueue(x) { inbox.push(x); }
function dequeue() {
  if (outbox.length === 0) while (inbox.length > 0) outbox.push(inbox.pop());
  return outbox.pop();
}
enqueue(1); enqueue(2); enqueue(3);
console.log(dequeue());
enqueue(4);
console.log(dequeue(), dequeue(), dequeue(), dequeue());
