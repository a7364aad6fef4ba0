import { MongoClient } from 'mongodb';
const c = new MongoClient(process.argv[2]); await c.connect();
const dbs = (await c.db().admin().listDatabases()).databases.filter(d=>d.name.startsWith('karvon_mn'));
for (const d of dbs) { const db=c.db(d.name);
  console.log(d.name, 'inst', await db.collection('instances').countDocuments({}), 'done', await db.collection('instances').countDocuments({state:'completed'}), 'timers', await db.collection('timers').countDocuments({}), 'agenda', await db.collection('agendaJobs').countDocuments({}), 'lockedAgenda', await db.collection('agendaJobs').countDocuments({lockedAt:{$ne:null}}));}
await c.close();
