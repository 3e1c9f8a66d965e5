import { FakeKafkaCluster } from '../support/fake-kafka-cluster.ts'
import { runKafkaClusterClientContract } from './cluster-client.contract.ts'

runKafkaClusterClientContract('in-memory fake', async () => {
  const client = new FakeKafkaCluster()
  return {
    client,
    commitOffset: async (groupId, topic, partitionId, offset) =>
      client.commitOffset(groupId, topic, partitionId, offset),
  }
})
