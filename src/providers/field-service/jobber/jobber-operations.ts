/**
 * The named GraphQL operations the adapter sends. Field and argument names
 * follow Jobber's published schema (JobCreateAttributes, VisitCreateInput,
 * ScheduledItemAttributes, LocalDateTimeAttributes, VisitFilterAttributes,
 * Client.jobs, ClientCreateInput, PropertyCreateInput, VisitEditAssignedUsersInput,
 * JobCloseInput). Connection sizes stay small: Jobber prices a query by the
 * product of its `first` arguments.
 */

const USER_ERRORS = "userErrors { message path }";

const CLIENT_FIELDS = `
  id
  name
  phones { number }
  emails { address }
  clientProperties(first: 1) { nodes { id address { street1 street2 city province postalCode } } }
`;

const JOB_FIELDS = `
  id
  title
  instructions
  jobStatus
  jobType
  startAt
  endAt
  total
  createdAt
  updatedAt
  client { ${CLIENT_FIELDS} }
  property { address { street1 street2 city province postalCode } }
  visits(first: 5) {
    nodes { id startAt endAt isComplete assignedUsers(first: 10) { nodes { id name { full } } } }
  }
`;

export const ACCOUNT = `query Account { account { id name } }`;

export const JOBS = `
  query Jobs($filter: JobFilterAttributes, $first: Int, $after: String) {
    jobs(filter: $filter, first: $first, after: $after) {
      nodes { ${JOB_FIELDS} }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const JOB = `query Job($id: EncodedId!) { job(id: $id) { ${JOB_FIELDS} } }`;

export const CLIENTS = `
  query Clients($searchTerm: String, $first: Int, $after: String) {
    clients(searchTerm: $searchTerm, first: $first, after: $after) {
      nodes { ${CLIENT_FIELDS} }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

/**
 * Client.jobs: every job of the client, scheduled or not (the jobs query's
 * startAt filter leaves out a job that has no visit yet).
 */
export const CLIENT_JOBS = `
  query ClientJobs($id: EncodedId!, $first: Int, $after: String) {
    client(id: $id) {
      id
      jobs(first: $first, after: $after) {
        nodes { ${JOB_FIELDS} }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

export const CLIENT_PROPERTIES = `
  query ClientProperties($id: EncodedId!) {
    client(id: $id) { id clientProperties(first: 1) { nodes { id } } }
  }
`;

export const CLIENT_CREATE = `
  mutation ClientCreate($input: ClientCreateInput!) {
    clientCreate(input: $input) { client { ${CLIENT_FIELDS} } ${USER_ERRORS} }
  }
`;

export const PROPERTY_CREATE = `
  mutation PropertyCreate($clientId: EncodedId!, $input: PropertyCreateInput!) {
    propertyCreate(clientId: $clientId, input: $input) { properties { id } ${USER_ERRORS} }
  }
`;

export const JOB_CREATE = `
  mutation JobCreate($input: JobCreateAttributes!) {
    jobCreate(input: $input) { job { id } ${USER_ERRORS} }
  }
`;

export const VISIT_CREATE = `
  mutation VisitCreate($jobId: EncodedId!, $input: VisitCreateInput!) {
    visitCreate(jobId: $jobId, input: $input) { createdVisits { id } ${USER_ERRORS} }
  }
`;

export const JOB_EDIT = `
  mutation JobEdit($jobId: EncodedId!, $input: JobEditInput!) {
    jobEdit(jobId: $jobId, input: $input) { job { id } ${USER_ERRORS} }
  }
`;

export const VISIT_EDIT_SCHEDULE = `
  mutation VisitEditSchedule($id: EncodedId!, $input: VisitEditScheduleInput!) {
    visitEditSchedule(id: $id, input: $input) { visit { id } ${USER_ERRORS} }
  }
`;

export const VISIT_EDIT_ASSIGNED_USERS = `
  mutation VisitEditAssignedUsers($visitId: EncodedId!, $input: VisitEditAssignedUsersInput!) {
    visitEditAssignedUsers(visitId: $visitId, input: $input) {
      visit { id assignedUsers(first: 10) { nodes { id } } }
      ${USER_ERRORS}
    }
  }
`;

export const JOB_CLOSE = `
  mutation JobClose($jobId: EncodedId!, $input: JobCloseInput!) {
    jobClose(jobId: $jobId, input: $input) { job { id jobStatus } ${USER_ERRORS} }
  }
`;

export const VISITS = `
  query Visits($filter: VisitFilterAttributes, $first: Int, $after: String) {
    visits(filter: $filter, first: $first, after: $after) {
      nodes { id title startAt endAt isComplete job { id } assignedUsers(first: 10) { nodes { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const USERS = `
  query Users($first: Int, $after: String) {
    users(first: $first, after: $after) {
      nodes { id name { full } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
