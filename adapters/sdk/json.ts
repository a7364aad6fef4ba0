// The SDK's own JSON type, so an adapter package needs nothing but the SDK.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
