import { FakeKafkaCluster } from '../support/fake-kafka-cluster.ts'
import { runKafkaClusterClientContract } from './cluster-client.contract.ts'

runKafkaClusterClientContract('in-memory fake', async () => ({ client: new FakeKafkaCluster() }))
