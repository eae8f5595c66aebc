/** @module redfish-emulator/errors: DMTF error bodies (`error` + `@Message.ExtendedInfo`, Base registry ids). */

export interface RedfishFailure {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

interface MessageSpec { id: string; message: string; args?: string[]; related?: string[]; resolution?: string; severity?: 'Warning' | 'Critical' }

function failure(status: number, messages: MessageSpec[], headers?: Record<string, string>): RedfishFailure {
  return {
    status,
    headers,
    body: {
      error: {
        code: messages.length === 1 ? `Base.1.16.${messages[0]!.id}` : 'Base.1.16.GeneralError',
        message: messages.length === 1 ? messages[0]!.message : 'A general error has occurred. See ExtendedInfo for more information.',
        '@Message.ExtendedInfo': messages.map((m) => ({
          '@odata.type': '#Message.v1_1_2.Message',
          MessageId: `Base.1.16.${m.id}`,
          Message: m.message,
          MessageArgs: m.args ?? [],
          MessageSeverity: m.severity ?? 'Warning',
          Severity: m.severity ?? 'Warning',
          Resolution: m.resolution ?? 'None.',
          ...(m.related ? { RelatedProperties: m.related } : {}),
        })),
      },
    },
  };
}

export const Failures = {
  noValidSession: () => failure(401, [{ id: 'NoValidSession', message: 'There is no valid session established with the implementation.', severity: 'Critical', resolution: 'Establish a session before attempting any operations.' }], { 'WWW-Authenticate': 'Basic realm="Redfish"' }),
  insufficientPrivilege: () => failure(403, [{ id: 'InsufficientPrivilege', message: 'There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.', severity: 'Critical' }]),
  resourceMissing: (uri: string) => failure(404, [{ id: 'ResourceMissingAtURI', message: `The resource at the URI '${uri}' was not found.`, args: [uri], severity: 'Critical' }]),
  methodNotAllowed: (allow: string) => failure(405, [{ id: 'OperationNotAllowed', message: 'The HTTP method is not allowed on this resource.', severity: 'Critical' }], { Allow: allow }),
  malformedJson: () => failure(400, [{ id: 'MalformedJSON', message: 'The request body submitted was malformed JSON and could not be parsed by the receiving service.', severity: 'Critical' }]),
  payloadTooLarge: () => failure(413, [{ id: 'PayloadTooLarge', message: 'The supplied payload exceeds the maximum size supported by the service.', severity: 'Critical' }]),
  preconditionFailed: () => failure(412, [{ id: 'PreconditionFailed', message: 'The ETag supplied did not match the ETag required to change this resource.', severity: 'Critical', resolution: 'Try the operation again using the appropriate ETag.' }]),
  preconditionRequired: () => failure(428, [{ id: 'PreconditionRequired', message: 'A precondition header or annotation is required to change this resource.', severity: 'Critical', resolution: 'Try the operation again using an If-Match or If-None-Match header and appropriate ETag.' }]),
  actionParameterMissing: (action: string, param: string) => failure(400, [{ id: 'ActionParameterMissing', message: `The action ${action} requires the parameter ${param} to be present in the request body.`, args: [action, param], related: [`#/${param}`], severity: 'Critical' }]),
  actionParameterNotSupported: (value: string, param: string, action: string) => failure(400, [{ id: 'ActionParameterValueNotInList', message: `The value '${value}' for the parameter ${param} in the action ${action} is not in the list of acceptable values.`, args: [value, param, action], related: [`#/${param}`] }]),
  propertyValueNotInList: (value: string, property: string) => failure(400, [{ id: 'PropertyValueNotInList', message: `The value '${value}' for the property ${property} is not in the list of acceptable values.`, args: [value, property], related: [`#/${property.includes('/') ? property : `Boot/${property}`}`] }]),
  propertyNotWritable: (property: string) => failure(400, [{ id: 'PropertyNotWritable', message: `The property ${property} is a read only property and cannot be assigned a value.`, args: [property], related: [`#/${property}`] }]),
  propertyUnknown: (property: string) => failure(400, [{ id: 'PropertyUnknown', message: `The property ${property} is not in the list of valid properties for the resource.`, args: [property], related: [`#/${property}`] }]),
  propertyValueTypeError: (value: string, property: string) => failure(400, [{ id: 'PropertyValueTypeError', message: `The value '${value}' for the property ${property} is of a different type than the property can accept.`, args: [value, property], related: [`#/${property}`] }]),
  propertyValueOutOfRange: (value: string, property: string) => failure(400, [{ id: 'PropertyValueOutOfRange', message: `The value '${value}' for the property ${property} is not in the supported range of acceptable values.`, args: [value, property], related: [`#/${property}`] }]),
  propertyValueFormatError: (value: string, property: string) => failure(400, [{ id: 'PropertyValueFormatError', message: `The value '${value}' for the property ${property} is of a different format than the property can accept.`, args: [value, property], related: [`#/${property}`] }]),
  actionParameterValueFormatError: (value: string, param: string, action: string) => failure(400, [{ id: 'ActionParameterValueFormatError', message: `The value '${value}' for the parameter ${param} in the action ${action} is of a different format than the parameter can accept.`, args: [value, param, action], related: [`#/${param}`] }]),
  propertyValueConflict: (value: string, why: string) => failure(400, [{ id: 'PropertyValueConflict', message: `The property value '${value}' could not be applied: ${why}.`, args: [value, why] }]),
  noOperation: () => failure(400, [{ id: 'NoOperation', message: 'The request body submitted contain no data to act upon and no changes to the resource took place.' }]),
  resourceInUse: (what: string) => failure(409, [{ id: 'ResourceInUse', message: `The change to the requested resource failed because the resource is in use or in transition: ${what}.` }]),
  createFailedMissingReqProperties: (property: string) => failure(400, [{ id: 'CreateFailedMissingReqProperties', message: `The create operation failed because the required property ${property} was missing from the request.`, args: [property], related: [`#/${property}`], severity: 'Critical' }]),
};
