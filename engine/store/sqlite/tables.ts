// Column layout of the record tables, kept in one place so the schema and the mapping agree.

import type { Database } from 'better-sqlite3';
import type { IncidentRecord, JobRecord, SubscriptionRecord, TaskRecord, TimerRecord } from '../../types.ts';
import type { DefinitionRecord, DeploymentRecord } from '../port.ts';
import { RecordTable } from './records.ts';

export function taskTable(db: Database): RecordTable<TaskRecord> {
  return new RecordTable<TaskRecord>(db, 'tasks', 'id', [
    { field: 'id', column: 'id' },
    { field: 'name', column: 'name' },
    { field: 'elementId', column: 'element_id' },
    { field: 'processInstanceId', column: 'process_instance_id' },
    { field: 'processKey', column: 'process_key' },
    { field: 'processVersion', column: 'process_version' },
    { field: 'businessKey', column: 'business_key' },
    { field: 'state', column: 'state' },
    { field: 'assignee', column: 'assignee' },
    { field: 'candidateGroups', column: 'candidate_groups', json: true },
    { field: 'candidateUsers', column: 'candidate_users', json: true },
    { field: 'dueDate', column: 'due_date' },
    { field: 'followUpDate', column: 'follow_up_date' },
    { field: 'priority', column: 'priority' },
    { field: 'formKey', column: 'form_key' },
    { field: 'createdAt', column: 'created_at' },
    { field: 'completedAt', column: 'completed_at' },
    { field: 'completedBy', column: 'completed_by' },
    // The inbox search matches it (task-query.ts); a TaskRecord never carries it back.
    { field: 'searchText', column: 'search_text', writeOnly: true },
  ]);
}

export function jobTable(db: Database): RecordTable<JobRecord> {
  return new RecordTable<JobRecord>(db, 'jobs', 'key', [
    { field: 'key', column: 'job_key' },
    { field: 'type', column: 'type' },
    { field: 'processInstanceId', column: 'process_instance_id' },
    { field: 'processKey', column: 'process_key' },
    { field: 'elementId', column: 'element_id' },
    { field: 'elementInstance', column: 'element_instance' },
    { field: 'retries', column: 'retries' },
    { field: 'customHeaders', column: 'custom_headers', json: true },
    { field: 'availableAt', column: 'available_at' },
    { field: 'lockOwner', column: 'lock_owner' },
    { field: 'lockExpiresAt', column: 'lock_expires_at' },
    { field: 'errorMessage', column: 'error_message' },
    { field: 'createdAt', column: 'created_at' },
  ]);
}

export function incidentTable(db: Database): RecordTable<IncidentRecord> {
  return new RecordTable<IncidentRecord>(db, 'incidents', 'id', [
    { field: 'id', column: 'id' },
    { field: 'processInstanceId', column: 'process_instance_id' },
    { field: 'processKey', column: 'process_key' },
    { field: 'elementId', column: 'element_id' },
    { field: 'elementInstance', column: 'element_instance' },
    { field: 'type', column: 'type' },
    { field: 'message', column: 'message' },
    { field: 'state', column: 'state' },
    { field: 'jobKey', column: 'job_key' },
    { field: 'createdAt', column: 'created_at' },
    { field: 'resolvedAt', column: 'resolved_at' },
  ]);
}

export function deploymentTable(db: Database): RecordTable<DeploymentRecord> {
  return new RecordTable<DeploymentRecord>(db, 'deployments', 'id', [
    { field: 'id', column: 'id' },
    { field: 'hash', column: 'hash' },
    { field: 'resources', column: 'resources', json: true },
    { field: 'deployedAt', column: 'deployed_at' },
    { field: 'deployedBy', column: 'deployed_by' },
    { field: 'processes', column: 'processes', json: true },
  ]);
}

export function definitionTable(db: Database): RecordTable<DefinitionRecord> {
  return new RecordTable<DefinitionRecord>(db, 'definitions', 'id', [
    { field: 'id', column: 'id' },
    { field: 'key', column: 'key' },
    { field: 'version', column: 'version' },
    { field: 'name', column: 'name' },
    { field: 'deploymentId', column: 'deployment_id' },
    { field: 'resourceName', column: 'resource_name' },
    { field: 'hash', column: 'hash' },
    { field: 'deployedAt', column: 'deployed_at' },
    { field: 'deployedBy', column: 'deployed_by' },
    { field: 'versionTag', column: 'version_tag' },
  ]);
}

export function timerTable(db: Database): RecordTable<TimerRecord> {
  return new RecordTable<TimerRecord>(db, 'timers', 'id', [
    { field: 'id', column: 'id' },
    { field: 'processInstanceId', column: 'process_instance_id' },
    { field: 'processKey', column: 'process_key' },
    { field: 'definitionId', column: 'definition_id' },
    { field: 'elementId', column: 'element_id' },
    { field: 'elementInstance', column: 'element_instance' },
    { field: 'dueAt', column: 'due_at' },
    { field: 'repeat', column: 'repeat', json: true },
  ]);
}

export function subscriptionTable(db: Database): RecordTable<SubscriptionRecord> {
  return new RecordTable<SubscriptionRecord>(db, 'subscriptions', 'id', [
    { field: 'id', column: 'id' },
    { field: 'processInstanceId', column: 'process_instance_id' },
    { field: 'processKey', column: 'process_key' },
    { field: 'elementId', column: 'element_id' },
    { field: 'elementInstance', column: 'element_instance' },
    { field: 'messageName', column: 'message_name' },
    { field: 'correlationKey', column: 'correlation_key' },
    { field: 'createdAt', column: 'created_at' },
  ]);
}
