// Microsoft Graph's notification payloads for Outlook events, transcribed from the documented
// resource shapes:
// - https://learn.microsoft.com/en-us/graph/api/resources/changenotification (the properties of a
//   change and of a lifecycle notification, in a `value` collection)
// - https://learn.microsoft.com/en-us/graph/api/resources/resourcedata (for Outlook resources:
//   @odata.type, @odata.id, @odata.etag, id)
// - https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events (lifecycleEvent)
// The etag has the form a captured real notification carries (issue 12): `W/"DwAAABYAAAA…"`.

export const GRAPH_NOTIFICATION_URLS = [
  'https://learn.microsoft.com/en-us/graph/api/resources/changenotification',
  'https://learn.microsoft.com/en-us/graph/api/resources/resourcedata',
  'https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events',
];

export const SUBSCRIPTION_ID = '7f105c7d-2dc5-4530-97cd-4e7ae6534c07';
export const CLIENT_STATE = 'secretClientValue';
export const TENANT_ID = '84bd8158-6d4d-4958-8b9f-9d6445542f95';
export const USER_ID = '24a3b144-21ae-4080-943f-7067b395b913';
export const EVENT_ID = 'AAMkADg3MDYyMmQ0LTU0ZGMtNGQzYS1hMDU0LWRmOWU0YWE5NzM4OABGAAAAAAA';

export const changeNotification = {
  value: [
    {
      subscriptionId: SUBSCRIPTION_ID,
      subscriptionExpirationDateTime: '2026-12-10T18:23:45.9356913+00:00',
      changeType: 'updated',
      resource: `Users/${USER_ID}/Events/${EVENT_ID}`,
      resourceData: {
        '@odata.type': '#Microsoft.Graph.Event',
        '@odata.id': `Users/${USER_ID}/Events/${EVENT_ID}`,
        '@odata.etag': 'W/"DwAAABYAAAAdKp2sPTa2RLP7hV1TVtdcAAMt2cvQ"',
        id: EVENT_ID,
      },
      clientState: CLIENT_STATE,
      tenantId: TENANT_ID,
    },
  ],
};

export const lifecycleNotification = {
  value: [
    {
      subscriptionId: SUBSCRIPTION_ID,
      subscriptionExpirationDateTime: '2026-12-10T18:23:45.9356913+00:00',
      tenantId: TENANT_ID,
      clientState: CLIENT_STATE,
      lifecycleEvent: 'reauthorizationRequired',
    },
  ],
};
